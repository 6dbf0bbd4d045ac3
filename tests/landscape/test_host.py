import pytest

from apps.landscape.aggregates.host import Host, saptune_health
from apps.landscape.commands import COMMANDS
from tests.landscape.support import envelope, given, rejected, replay, types, when

HOST_ID = "779cdd70-e9e2-58ca-b18a-bf3eb3f71244"
STREAM = f"host-{HOST_ID}"
DETAILS = {
    "hostname": "suse",
    "ip_addresses": ["10.1.1.4/16", "10.1.1.5/24", "10.1.1.6/32"],
    "agent_version": "0.1.0",
    "cpu_count": 2,
    "socket_count": 1,
    "total_memory_mb": 4096,
    "os_version": "15-SP2",
    "arch": "x86_64",
    "fully_qualified_domain_name": "suse.l15cqsinwnpu5gfyrf1r5l51fe.ax.internal.cloudapp.net",
    "installation_source": "unknown",
    "prometheus_targets": None,
    "prometheus_mode": None,
    "systemd_units": [{"name": "pacemaker.service", "unit_file_state": "enabled"}],
    "last_boot_timestamp": None,
}
FQDN = DETAILS["fully_qualified_domain_name"]
REGISTERED = ("HostRegistered", {"host_id": HOST_ID, **DETAILS, "heartbeat": "unknown", "health": "unknown"})
DEREGISTERED = ("HostDeregistered", {"host_id": HOST_ID, "deregistered_at": "2026-08-01T10:00:00+00:00"})
SAP_RUNNING_COMPLIANT = {
    "host_id": HOST_ID,
    "saptune_installed": True,
    "package_version": "3.1.0",
    "sap_running": True,
    "status": {"package_version": "3.1.0", "tuning_state": "compliant"},
}


def registered(*events):
    return given(Host, STREAM, REGISTERED, *events)


def register_payload(**changes):
    return {"host_id": HOST_ID, **DETAILS, "netmasks": [16, 24, 32], **changes}


class TestRegistration:
    def test_first_registration_from_the_agent_fixture(self, shared_dir):
        found = envelope(shared_dir, "web/host_discovery.json")
        payload = {"host_id": found["agent_id"], **found["payload"]}

        [(event_type, data), requested] = when(Host(STREAM), "RegisterHost", payload)

        assert event_type == "HostRegistered"
        assert data["hostname"] == "suse"
        assert (data["heartbeat"], data["health"]) == ("unknown", "unknown")
        fqdn = found["payload"]["fully_qualified_domain_name"]
        assert data["fully_qualified_domain_name"] == fqdn
        # Every documented field but the netmasks (in the ip_addresses) is in the event, missing ones as None.
        assert set(data) == {*COMMANDS["RegisterHost"].fields, "heartbeat", "health"} - {"netmasks"}
        assert data["installation_source"] is None
        # A host with a name is looked up in SUSE Multi-Linux Manager.
        assert requested == (
            "SoftwareUpdatesDiscoveryRequested",
            {"host_id": found["agent_id"], "fully_qualified_domain_name": fqdn},
        )

    def test_a_host_without_a_name_is_not_looked_up(self):
        assert types(when(Host(STREAM), "RegisterHost", register_payload(fully_qualified_domain_name=None))) == [
            "HostRegistered"
        ]

    def test_the_same_data_twice_emits_nothing(self):
        host = registered()
        assert when(host, "RegisterHost", register_payload()) == []

    def test_changed_data_emits_the_full_details(self):
        events = when(registered(), "RegisterHost", register_payload(agent_version="2.4.0"))
        assert events == [("HostDetailsUpdated", {"host_id": HOST_ID, **DETAILS, "agent_version": "2.4.0"})]

    def test_a_new_name_is_looked_up_and_a_lost_one_clears_the_lookup(self):
        host = registered()
        events = when(host, "RegisterHost", register_payload(fully_qualified_domain_name="suse.example.com"))
        assert events[1] == (
            "SoftwareUpdatesDiscoveryRequested",
            {"host_id": HOST_ID, "fully_qualified_domain_name": "suse.example.com"},
        )
        events = when(host, "RegisterHost", register_payload(fully_qualified_domain_name=None))
        assert types(events) == ["HostDetailsUpdated", "SoftwareUpdatesDiscoveryCleared"]

    def test_registration_of_a_deregistered_host_restores_it_and_looks_it_up_again(self):
        host = registered(DEREGISTERED)
        assert types(when(host, "RegisterHost", register_payload())) == [
            "HostRestored",
            "SoftwareUpdatesDiscoveryRequested",
        ]
        assert host.deregistered_at is None

    def test_a_rebooted_host_is_restored_without_a_details_update(self):
        """The boot time is not compared on restore: a host that comes back has usually been rebooted."""
        host = registered(DEREGISTERED)
        events = when(host, "RegisterHost", register_payload(last_boot_timestamp="2026-08-02T08:00:00Z"))
        assert "HostDetailsUpdated" not in types(events)

    def test_restore_with_changed_details_also_updates_them(self):
        events = when(registered(DEREGISTERED), "RegisterHost", register_payload(hostname="suse2"))
        assert types(events) == ["HostRestored", "HostDetailsUpdated", "SoftwareUpdatesDiscoveryRequested"]
        assert events[1][1]["hostname"] == "suse2"

    @pytest.mark.parametrize(
        ("command_type", "payload"),
        [
            ("UpdateHeartbeat", {"heartbeat": "passing"}),
            ("UpdateProvider", {"provider": "azure"}),
            ("UpdateSaptuneStatus", {"saptune_installed": False}),
            ("UpdateSlesSubscriptions", {"subscriptions": []}),
            ("SelectHostChecks", {"checks": ["156F64"]}),
            ("CompleteHostChecksExecution", {"health": "passing"}),
            ("RequestHostDeregistration", {"heartbeat": "critical"}),
            ("DeregisterHost", {"deregistered_at": "2026-08-01T10:00:00+00:00"}),
            ("CompleteSoftwareUpdatesDiscovery", {"health": "passing"}),
            ("ClearSoftwareUpdatesDiscovery", {}),
        ],
    )
    def test_commands_against_an_unregistered_or_deregistered_host_are_rejected(self, command_type, payload):
        payload = {"host_id": HOST_ID, **payload}
        assert rejected(Host(STREAM), command_type, payload) == "host_not_registered"
        assert rejected(registered(DEREGISTERED), command_type, payload) == "host_not_registered"


class TestHeartbeat:
    def test_only_transitions_are_events(self):
        host = registered()
        assert types(when(host, "UpdateHeartbeat", {"heartbeat": "passing"})) == ["HeartbeatSucceeded"]
        assert when(host, "UpdateHeartbeat", {"heartbeat": "passing"}) == []
        assert types(when(host, "UpdateHeartbeat", {"heartbeat": "critical"})) == ["HeartbeatFailed"]
        assert when(host, "UpdateHeartbeat", {"heartbeat": "critical"}) == []
        assert types(when(host, "UpdateHeartbeat", {"heartbeat": "passing"})) == ["HeartbeatSucceeded"]

    def test_a_first_failure_from_unknown_is_a_transition(self):
        assert when(registered(), "UpdateHeartbeat", {"heartbeat": "critical"}) == [
            ("HeartbeatFailed", {"host_id": HOST_ID})
        ]

    def test_heartbeat_is_not_part_of_health(self):
        host = registered(("HostHealthChanged", {"host_id": HOST_ID, "health": "passing"}))
        assert types(when(host, "UpdateHeartbeat", {"heartbeat": "critical"})) == ["HeartbeatFailed"]
        assert host.health == "passing"

    def test_other_values_are_refused(self):
        assert rejected(registered(), "UpdateHeartbeat", {"heartbeat": "unknown"}) == "invalid_heartbeat"


class TestProviderAndSubscriptions:
    def test_provider_once(self):
        host = registered()
        payload = {"host_id": HOST_ID, "provider": "azure", "provider_data": {"vm_name": "vmhdbprd01"}}
        assert when(host, "UpdateProvider", payload) == [("ProviderUpdated", payload)]
        assert when(host, "UpdateProvider", payload) == []

    def test_unknown_provider_without_data(self):
        events = when(registered(), "UpdateProvider", {"host_id": HOST_ID, "provider": "unknown"})
        assert events == [("ProviderUpdated", {"host_id": HOST_ID, "provider": "unknown", "provider_data": None})]

    def test_subscriptions_from_the_fixture_once(self, shared_dir):
        found = envelope(shared_dir, "web/subscriptions_discovery.json")
        subscriptions = [{"host_id": HOST_ID, **item} for item in found["payload"]]
        host = registered()
        payload = {"host_id": HOST_ID, "subscriptions": subscriptions}
        assert when(host, "UpdateSlesSubscriptions", payload) == [("SlesSubscriptionsUpdated", payload)]
        assert when(host, "UpdateSlesSubscriptions", payload) == []


class TestSaptune:
    @pytest.mark.parametrize(
        ("installed", "version", "sap_running", "tuning_state", "expected"),
        [
            (False, None, False, None, "passing"),
            (True, "3.0.2", False, "not compliant", "passing"),
            (False, None, True, None, "warning"),
            (True, "3.0.2", True, "compliant", "warning"),
            (True, "3.1.0", True, "compliant", "passing"),
            (True, "3.1.1-150500.1.2", True, "compliant", "passing"),
            (True, "3.10.0", True, "not tuned", "warning"),
            (True, "3.1.0", True, "not compliant", "critical"),
            (True, "3.1.0", True, None, "unknown"),
        ],
    )
    def test_saptune_health_table(self, installed, version, sap_running, tuning_state, expected):
        status = {"package_version": version, "tuning_state": tuning_state} if installed else None
        assert saptune_health(status, sap_running) == expected

    def test_status_saptune_health_and_host_health(self):
        events = when(registered(), "UpdateSaptuneStatus", SAP_RUNNING_COMPLIANT)
        assert events == [
            ("SaptuneStatusUpdated", {"host_id": HOST_ID, "status": SAP_RUNNING_COMPLIANT["status"]}),
            ("HostSaptuneHealthChanged", {"host_id": HOST_ID, "saptune_health": "passing"}),
            ("HostHealthChanged", {"host_id": HOST_ID, "health": "passing"}),
        ]

    def test_saptune_not_installed_has_no_status_so_none_is_announced(self):
        host = registered()
        not_installed = {"host_id": HOST_ID, "saptune_installed": False, "sap_running": False, "status": None}
        assert types(when(host, "UpdateSaptuneStatus", not_installed)) == [
            "HostSaptuneHealthChanged",
            "HostHealthChanged",
        ]
        assert when(host, "UpdateSaptuneStatus", not_installed) == []

    def test_an_installed_saptune_without_status_is_known_by_its_version(self):
        host = registered()
        installed = {**SAP_RUNNING_COMPLIANT, "status": None, "package_version": "3.0.2"}
        events = when(host, "UpdateSaptuneStatus", installed)
        assert events[:2] == [
            ("SaptuneStatusUpdated", {"host_id": HOST_ID, "status": {"package_version": "3.0.2"}}),
            ("HostSaptuneHealthChanged", {"host_id": HOST_ID, "saptune_health": "warning"}),
        ]
        assert when(host, "UpdateSaptuneStatus", installed) == []

    def test_the_same_status_twice_emits_nothing(self):
        host = registered()
        when(host, "UpdateSaptuneStatus", SAP_RUNNING_COMPLIANT)
        assert when(host, "UpdateSaptuneStatus", SAP_RUNNING_COMPLIANT) == []

    def test_sap_starting_on_the_host_re_evaluates_health_without_a_status_event(self):
        host = registered()
        status = {"package_version": "3.1.0", "tuning_state": "not compliant"}
        untuned = {**SAP_RUNNING_COMPLIANT, "status": status, "sap_running": False}
        when(host, "UpdateSaptuneStatus", untuned)
        events = when(host, "UpdateSaptuneStatus", {**untuned, "sap_running": True})
        assert events == [
            ("HostSaptuneHealthChanged", {"host_id": HOST_ID, "saptune_health": "critical"}),
            ("HostHealthChanged", {"host_id": HOST_ID, "health": "critical"}),
        ]


class TestChecksAndHealth:
    def test_checks_selection_once(self):
        host = registered()
        payload = {"host_id": HOST_ID, "checks": ["156F64", "DC5429"]}
        assert when(host, "SelectHostChecks", payload) == [("HostChecksSelected", payload)]
        assert when(host, "SelectHostChecks", payload) == []

    def test_checks_health_changes_host_health(self):
        host = registered()
        events = when(host, "CompleteHostChecksExecution", {"host_id": HOST_ID, "health": "warning"})
        assert events == [
            ("HostChecksHealthChanged", {"host_id": HOST_ID, "checks_health": "warning"}),
            ("HostHealthChanged", {"host_id": HOST_ID, "health": "warning"}),
        ]
        assert when(host, "CompleteHostChecksExecution", {"host_id": HOST_ID, "health": "warning"}) == []

    @pytest.mark.parametrize(
        ("checks", "saptune", "expected"),
        [
            ("passing", "warning", "warning"),
            ("critical", "warning", "critical"),
            ("unknown", "warning", "warning"),  # an unknown sub-health is ignored
            ("passing", "unknown", "passing"),
            ("unknown", "unknown", "unknown"),  # nothing known at all
        ],
    )
    def test_host_health_is_the_worst_known_sub_health(self, checks, saptune, expected):
        host = registered(("HostSaptuneHealthChanged", {"host_id": HOST_ID, "saptune_health": saptune}))
        events = dict(when(host, "CompleteHostChecksExecution", {"host_id": HOST_ID, "health": checks}))
        assert events.get("HostHealthChanged", {"health": "unknown"})["health"] == expected
        assert host.health == expected

    def test_an_invalid_checks_health_is_refused(self):
        assert rejected(registered(), "CompleteHostChecksExecution", {"health": "green"}) == "invalid_health"


class TestDeregistration:
    def test_a_live_host_cannot_be_deregistered(self):
        payload = {"host_id": HOST_ID, "requested_at": "2026-08-01T10:00:00+00:00", "heartbeat": "passing"}
        assert rejected(registered(), "RequestHostDeregistration", payload) == "host_alive"

    def test_the_payload_decides_over_the_folded_heartbeat(self):
        host = registered(("HeartbeatSucceeded", {"host_id": HOST_ID}))
        payload = {"host_id": HOST_ID, "requested_at": "2026-08-01T10:00:00+00:00", "heartbeat": "critical"}
        assert when(host, "RequestHostDeregistration", payload) == [
            ("HostDeregistrationRequested", {"host_id": HOST_ID, "requested_at": "2026-08-01T10:00:00+00:00"})
        ]

    def test_without_heartbeat_in_the_payload_the_folded_one_decides(self):
        host = registered(("HeartbeatSucceeded", {"host_id": HOST_ID}))
        assert rejected(host, "RequestHostDeregistration", {"host_id": HOST_ID}) == "host_alive"
        host.apply("HeartbeatFailed", {"host_id": HOST_ID})
        assert types(when(host, "RequestHostDeregistration", {"host_id": HOST_ID})) == ["HostDeregistrationRequested"]

    def test_deregistration_tombstones_the_host(self):
        host = registered()
        events = when(host, "DeregisterHost", {"host_id": HOST_ID, "deregistered_at": "2026-08-01T10:00:00+00:00"})
        assert events == [
            ("SoftwareUpdatesDiscoveryCleared", {"host_id": HOST_ID}),
            DEREGISTERED,
            ("HostTombstoned", {"host_id": HOST_ID}),
        ]
        assert host.deregistered_at == "2026-08-01T10:00:00+00:00"


class TestSoftwareUpdates:
    """Upstream's software updates discovery: the completed discovery's health counts in the host's health."""

    def complete(self, health):
        return {"host_id": HOST_ID, "health": health}

    def test_a_completed_discovery_sets_the_software_updates_health_once(self):
        host = registered()
        assert when(host, "CompleteSoftwareUpdatesDiscovery", self.complete("critical")) == [
            ("SoftwareUpdatesHealthChanged", {"host_id": HOST_ID, "health": "critical"}),
            ("HostHealthChanged", {"host_id": HOST_ID, "health": "critical"}),
        ]
        assert when(host, "CompleteSoftwareUpdatesDiscovery", self.complete("critical")) == []

    @pytest.mark.parametrize(
        ("checks", "software_updates", "expected"),
        [
            ("passing", "warning", "warning"),
            ("critical", "warning", "critical"),
            ("warning", "passing", "warning"),
            ("passing", "unknown", "unknown"),  # a failed discovery is unknown, and counts as such
            ("unknown", "passing", "passing"),  # unknown checks do not count
        ],
    )
    def test_host_health_is_the_worst_with_software_updates(self, checks, software_updates, expected):
        host = registered(("HostChecksHealthChanged", {"host_id": HOST_ID, "checks_health": checks}))
        when(host, "CompleteSoftwareUpdatesDiscovery", self.complete(software_updates))
        assert host.health == expected

    def test_clearing_the_discovery_takes_it_out_of_the_health(self):
        host = registered(("HostChecksHealthChanged", {"host_id": HOST_ID, "checks_health": "passing"}))
        when(host, "CompleteSoftwareUpdatesDiscovery", self.complete("critical"))
        assert when(host, "ClearSoftwareUpdatesDiscovery", {"host_id": HOST_ID}) == [
            ("SoftwareUpdatesDiscoveryCleared", {"host_id": HOST_ID}),
            ("HostHealthChanged", {"host_id": HOST_ID, "health": "passing"}),
        ]
        assert when(host, "ClearSoftwareUpdatesDiscovery", {"host_id": HOST_ID}) == []

    def test_an_invalid_health_is_refused(self):
        assert rejected(registered(), "CompleteSoftwareUpdatesDiscovery", self.complete("not_set")) == "invalid_health"


def test_state_survives_a_snapshot_round_trip():
    host = registered()
    when(host, "UpdateSaptuneStatus", SAP_RUNNING_COMPLIANT)
    when(host, "UpdateHeartbeat", {"heartbeat": "passing"})
    copy = replay(host)
    assert copy.snapshot_state() == host.snapshot_state()
    assert when(copy, "UpdateSaptuneStatus", SAP_RUNNING_COMPLIANT) == []
    assert when(copy, "RegisterHost", register_payload()) == []
