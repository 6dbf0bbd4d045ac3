import pytest

from apps.landscape.aggregates.sap_system import SapSystem, is_complete
from apps.landscape.commands import database_id as make_database_id
from apps.landscape.commands import sap_system_id as make_sap_system_id
from tests.landscape.support import envelope, rejected, replay, types, when

DATABASE_ID = make_database_id("e06e328f8d6b0f46c1e66ffcd44d0dd7")
SAP_SYSTEM_ID = make_sap_system_id(DATABASE_ID, "PRD")
STREAM = f"sap_system-{SAP_SYSTEM_ID}"
ASCS_HOST = "4b30a6af-4b52-5bda-bccb-f2248a12c992"
ERS_HOST = "6c1a6c8a-4b4c-5f0e-a6e2-0d2d1b6b6f10"
PAS_HOST = "9a3ec76a-dd4f-5013-9cf0-5eb4cf89898f"
AT = "2026-08-01T10:00:00+00:00"


@pytest.fixture(scope="module")
def instances(shared_dir):
    """RegisterApplicationInstance payloads for the HA1 system of the application fixture, by role.

    The fixture's host runs D02 (the AAS); the ASCS, ERS and PAS are placed on hosts of their own.
    """
    found = envelope(shared_dir, "web/sap_system_discovery_application.json")
    [system] = found["payload"]
    hosts = {0: ASCS_HOST, 10: ERS_HOST, 1: PAS_HOST, 2: found["agent_id"]}
    roles = {0: "ascs", 10: "ers", 1: "pas", 2: "aas"}
    payloads = {}
    for instance in system["Instances"][0]["SAPControl"]["Instances"]:
        number = instance["instanceNr"]
        payloads[roles[number]] = {
            "sap_system_id": SAP_SYSTEM_ID,
            "sid": system["SID"],
            "tenant": system["Profile"]["dbs/hdb/dbname"],
            "db_host": system["DBAddress"],
            "host_id": hosts[number],
            "instance_number": f"{number:02d}",
            "instance_hostname": instance["hostname"],
            "features": instance["features"],
            "http_port": instance["httpPort"],
            "https_port": instance["httpsPort"],
            "start_priority": instance["startPriority"],
            "dispstatus": instance["dispstatus"],
            "clustered": number in (0, 10),
            "ensa_version": "ensa2" if number in (0, 10) else "no_ensa",
            "database_id": DATABASE_ID,
            "database_health": "passing",
            "database_stale_at": None,
        }
    return payloads


def system_of(*payloads):
    sap_system = SapSystem(STREAM)
    for payload in payloads:
        when(sap_system, "RegisterApplicationInstance", payload)
    return sap_system


def key(payload):
    return {
        "sap_system_id": SAP_SYSTEM_ID,
        "host_id": payload["host_id"],
        "instance_number": payload["instance_number"],
    }


class TestRegistrationThreshold:
    def test_instances_accumulate_until_message_server_and_abap_exist(self, instances):
        sap_system = SapSystem(STREAM)
        assert types(when(sap_system, "RegisterApplicationInstance", instances["ascs"])) == [
            "ApplicationInstanceRegistered"
        ]
        assert types(when(sap_system, "RegisterApplicationInstance", instances["ers"])) == [
            "ApplicationInstanceRegistered"
        ]
        assert not sap_system.registered

        events = when(sap_system, "RegisterApplicationInstance", instances["pas"])
        assert types(events) == ["ApplicationInstanceRegistered", "SapSystemRegistered"]
        assert events[1][1] == {
            "sap_system_id": SAP_SYSTEM_ID,
            "health": "passing",
            "database_health": "passing",
            "sid": "HA1",
            "tenant": "PRD",
            "db_host": "10.74.1.12",
            "database_id": DATABASE_ID,
            "ensa_version": "no_ensa",
            "database_stale_at": None,
        }

    def test_the_system_starts_with_the_completing_instances_health_then_the_whole_follows(self, instances):
        sap_system = system_of({**instances["ascs"], "dispstatus": "SAPControl-YELLOW"})
        events = when(sap_system, "RegisterApplicationInstance", {**instances["pas"], "database_health": "critical"})
        assert types(events) == ["ApplicationInstanceRegistered", "SapSystemRegistered", "SapSystemHealthChanged"]
        assert (events[1][1]["health"], events[1][1]["database_health"]) == ("passing", "critical")
        assert events[2][1] == {"sap_system_id": SAP_SYSTEM_ID, "health": "critical"}

    def test_the_system_takes_tenant_database_and_ensa_version_from_the_command_that_completes_it(self, instances):
        """As upstream: the instance events do not carry the system's data; the completing command does."""
        sap_system = system_of(instances["pas"])
        events = when(sap_system, "RegisterApplicationInstance", instances["ascs"])
        registered = events[1][1]
        assert (registered["tenant"], registered["db_host"], registered["database_id"]) == (
            "PRD",
            "10.74.1.12",
            DATABASE_ID,
        )
        assert registered["ensa_version"] == "ensa2"
        # The registration folded its ENSA version: the same version again changes nothing.
        assert when(sap_system, "RegisterApplicationInstance", instances["ascs"]) == []
        assert types(when(sap_system, "RegisterApplicationInstance", instances["ers"])) == [
            "ApplicationInstanceRegistered"
        ]

    def test_a_system_completed_without_the_enqueue_server_learns_its_ensa_version_later(self, instances):
        sap_system = system_of(instances["ascs"], instances["pas"])
        assert sap_system.ensa_version == "no_ensa"
        update = ("SapSystemUpdated", {"sap_system_id": SAP_SYSTEM_ID, "ensa_version": "ensa2"})
        assert when(sap_system, "RegisterApplicationInstance", instances["ascs"]) == [update]
        assert when(sap_system, "RegisterApplicationInstance", instances["ascs"]) == []

    def test_the_instance_event_carries_what_projections_need(self, instances):
        [(event_type, data)] = when(SapSystem(STREAM), "RegisterApplicationInstance", instances["aas"])
        assert event_type == "ApplicationInstanceRegistered"
        assert data["instance_hostname"] == "sapha1aas1"
        assert data["features"] == "ABAP|GATEWAY|ICMAN|IGS"
        assert data["instance_number"] == "02"
        assert data["health"] == "passing"
        assert not {"tenant", "db_host", "database_id", "clustered", "ensa_version"} & set(data)

    def test_abap_first_then_message_server(self, instances):
        sap_system = system_of(instances["aas"])
        events = when(sap_system, "RegisterApplicationInstance", instances["ascs"])
        assert types(events) == ["ApplicationInstanceRegistered", "SapSystemRegistered"]

    @pytest.mark.parametrize(
        ("features", "complete"),
        [
            (["MESSAGESERVER|ENQUE", "ABAP|GATEWAY|ICMAN|IGS"], True),
            (["MESSAGESERVER|ENQUE", "J2EE|IGS"], True),
            (["MESSAGESERVER|ENQUE|ABAP|GATEWAY"], True),
            (["MESSAGESERVER|ENQUE", "ENQREP"], False),
            (["ABAP|GATEWAY", "ENQREP"], False),
            ([], False),
        ],
    )
    def test_completeness(self, features, complete):
        assert is_complete([{"features": f} for f in features]) is complete

    def test_the_same_data_twice_emits_nothing(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        assert when(sap_system, "RegisterApplicationInstance", instances["ascs"]) == []
        assert when(sap_system, "RegisterApplicationInstance", instances["pas"]) == []

    @pytest.mark.parametrize(
        ("command_type", "payload"),
        [
            ("UpdateDatabaseHealth", {"database_health": "passing"}),
            ("UpdateDatabaseStaleAt", {"database_stale_at": AT}),
            ("DeregisterSapSystem", {"deregistered_at": AT}),
            ("RestoreSapSystem", {"database_health": "passing"}),
        ],
    )
    def test_system_commands_need_a_registered_system(self, instances, command_type, payload):
        payload = {"sap_system_id": SAP_SYSTEM_ID, **payload}
        assert rejected(SapSystem(STREAM), command_type, payload) == "sap_system_not_registered"
        incomplete = system_of(instances["ascs"])
        assert rejected(incomplete, command_type, payload) == "sap_system_not_registered"

    @pytest.mark.parametrize(
        ("command_type", "extra"),
        [
            ("MarkApplicationInstanceAbsent", {"absent_at": AT}),
            ("MarkApplicationInstanceDataStale", {"stale_at": AT}),
            ("DeregisterApplicationInstance", {"deregistered_at": AT}),
        ],
    )
    def test_instance_commands_need_the_instance(self, instances, command_type, extra):
        payload = {**key(instances["pas"]), **extra}
        assert rejected(SapSystem(STREAM), command_type, payload) == "sap_system_not_registered"
        assert rejected(system_of(instances["ascs"]), command_type, payload) == "application_instance_not_registered"


class TestInstanceChanges:
    def test_status_change_changes_the_system_health(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        events = when(sap_system, "RegisterApplicationInstance", {**instances["pas"], "dispstatus": "SAPControl-RED"})
        assert events == [
            ("ApplicationInstanceStatusChanged", {**key(instances["pas"]), "health": "critical"}),
            ("SapSystemHealthChanged", {"sap_system_id": SAP_SYSTEM_ID, "health": "critical"}),
        ]

    def test_before_registration_status_changes_emit_no_system_health(self, instances):
        sap_system = system_of(instances["ascs"])
        events = when(sap_system, "RegisterApplicationInstance", {**instances["ascs"], "dispstatus": "SAPControl-GRAY"})
        assert types(events) == ["ApplicationInstanceStatusChanged"]

    def test_a_clustered_instance_on_another_host_moved(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        failover = {**instances["ascs"], "host_id": ERS_HOST}
        events = when(sap_system, "RegisterApplicationInstance", failover)
        assert events == [
            (
                "ApplicationInstanceMoved",
                {
                    "sap_system_id": SAP_SYSTEM_ID,
                    "instance_number": "00",
                    "old_host_id": ASCS_HOST,
                    "new_host_id": ERS_HOST,
                },
            )
        ]
        assert sap_system.instance(ERS_HOST, "00") is not None
        assert sap_system.instance(ASCS_HOST, "00") is None
        assert when(sap_system, "RegisterApplicationInstance", failover) == []

    def test_an_absent_instance_that_moves_comes_back_present(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        when(sap_system, "MarkApplicationInstanceAbsent", {**key(instances["ascs"]), "absent_at": AT})
        failover = {**instances["ascs"], "host_id": ERS_HOST}
        assert types(when(sap_system, "RegisterApplicationInstance", failover)) == [
            "ApplicationInstanceMoved",
            "ApplicationInstanceMarkedPresent",
        ]

    def test_a_non_clustered_instance_on_another_host_is_another_instance(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        elsewhere = {**instances["pas"], "host_id": ERS_HOST}
        assert types(when(sap_system, "RegisterApplicationInstance", elsewhere)) == ["ApplicationInstanceRegistered"]

    def test_ensa_version_change_updates_the_system_no_ensa_instances_do_not(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        assert when(sap_system, "RegisterApplicationInstance", instances["aas"])[-1][0] == (
            "ApplicationInstanceRegistered"
        )
        events = when(sap_system, "RegisterApplicationInstance", {**instances["ascs"], "ensa_version": "ensa1"})
        assert events == [("SapSystemUpdated", {"sap_system_id": SAP_SYSTEM_ID, "ensa_version": "ensa1"})]

    def test_absent_then_present(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        payload = {**key(instances["pas"]), "absent_at": AT}
        assert when(sap_system, "MarkApplicationInstanceAbsent", payload) == [
            ("ApplicationInstanceMarkedAbsent", payload)
        ]
        assert when(sap_system, "MarkApplicationInstanceAbsent", payload) == []
        assert when(sap_system, "RegisterApplicationInstance", instances["pas"]) == [
            ("ApplicationInstanceMarkedPresent", key(instances["pas"]))
        ]

    def test_staleness(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        assert when(sap_system, "MarkApplicationInstanceDataStale", {**key(instances["pas"]), "stale_at": AT}) == [
            ("ApplicationInstanceDataMarkedStale", {**key(instances["pas"]), "stale_at": AT}),
            ("SapSystemDataMarkedStale", {"sap_system_id": SAP_SYSTEM_ID, "stale_at": AT}),
        ]
        assert types(
            when(sap_system, "MarkApplicationInstanceDataStale", {**key(instances["ascs"]), "stale_at": AT})
        ) == ["ApplicationInstanceDataMarkedStale"]
        assert types(when(sap_system, "RegisterApplicationInstance", instances["pas"])) == [
            "ApplicationInstanceDataMarkedInSync"
        ]
        assert types(when(sap_system, "RegisterApplicationInstance", instances["ascs"])) == [
            "ApplicationInstanceDataMarkedInSync",
            "SapSystemDataMarkedInSync",
        ]


class TestHealth:
    @pytest.mark.parametrize(
        ("ascs", "pas", "database", "expected"),
        [
            ("SAPControl-GREEN", "SAPControl-GREEN", "passing", "passing"),
            ("SAPControl-GREEN", "SAPControl-YELLOW", "passing", "warning"),
            ("SAPControl-GREEN", "SAPControl-GREEN", "critical", "critical"),
            ("SAPControl-RED", "SAPControl-GREEN", "warning", "critical"),
            ("SAPControl-GRAY", "SAPControl-GREEN", "critical", "unknown"),
        ],
    )
    def test_worst_of_instances_and_database(self, instances, ascs, pas, database, expected):
        sap_system = system_of(
            {**instances["ascs"], "dispstatus": ascs, "database_health": database},
            {**instances["pas"], "dispstatus": pas, "database_health": database},
        )
        assert sap_system.health == expected

    def test_database_health_updates(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        payload = {"sap_system_id": SAP_SYSTEM_ID, "database_health": "warning"}
        assert when(sap_system, "UpdateDatabaseHealth", payload) == [
            ("SapSystemDatabaseHealthChanged", payload),
            ("SapSystemHealthChanged", {"sap_system_id": SAP_SYSTEM_ID, "health": "warning"}),
        ]
        assert when(sap_system, "UpdateDatabaseHealth", payload) == []

    def test_database_stale_at_updates(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        payload = {"sap_system_id": SAP_SYSTEM_ID, "database_stale_at": AT}
        assert when(sap_system, "UpdateDatabaseStaleAt", payload) == [("SapSystemDatabaseStaleAtChanged", payload)]
        assert when(sap_system, "UpdateDatabaseStaleAt", payload) == []
        cleared = {"sap_system_id": SAP_SYSTEM_ID, "database_stale_at": None}
        assert when(sap_system, "UpdateDatabaseStaleAt", cleared) == [("SapSystemDatabaseStaleAtChanged", cleared)]

    def test_an_invalid_database_health_is_refused(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        payload = {"sap_system_id": SAP_SYSTEM_ID, "database_health": "green"}
        assert rejected(sap_system, "UpdateDatabaseHealth", payload) == "invalid_health"


class TestDeregistration:
    def deregister(self, payload):
        return {**key(payload), "deregistered_at": AT}

    def test_losing_an_abap_instance_while_another_remains_keeps_the_system(self, instances):
        sap_system = system_of(
            instances["ascs"], instances["pas"], {**instances["aas"], "dispstatus": "SAPControl-RED"}
        )
        events = when(sap_system, "DeregisterApplicationInstance", self.deregister(instances["aas"]))
        assert events == [
            ("ApplicationInstanceDeregistered", self.deregister(instances["aas"])),
            ("SapSystemHealthChanged", {"sap_system_id": SAP_SYSTEM_ID, "health": "passing"}),
        ]

    def test_losing_the_message_server_deregisters_the_system(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        events = when(sap_system, "DeregisterApplicationInstance", self.deregister(instances["ascs"]))
        assert events == [
            ("ApplicationInstanceDeregistered", self.deregister(instances["ascs"])),
            ("SapSystemDeregistered", {"sap_system_id": SAP_SYSTEM_ID, "deregistered_at": AT}),
        ]

    def test_losing_the_last_abap_instance_deregisters_and_the_last_instance_tombstones(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        assert types(when(sap_system, "DeregisterApplicationInstance", self.deregister(instances["pas"]))) == [
            "ApplicationInstanceDeregistered",
            "SapSystemDeregistered",
        ]
        assert types(when(sap_system, "DeregisterApplicationInstance", self.deregister(instances["ascs"]))) == [
            "ApplicationInstanceDeregistered",
            "SapSystemTombstoned",
        ]

    def test_a_complete_set_again_restores_the_system(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        when(sap_system, "DeregisterApplicationInstance", self.deregister(instances["pas"]))
        restoring = {**instances["pas"], "tenant": "QAS", "db_host": "10.74.1.99", "database_stale_at": AT}
        events = when(sap_system, "RegisterApplicationInstance", restoring)
        assert types(events) == ["ApplicationInstanceRegistered", "SapSystemRestored"]
        assert events[1][1] == {
            "sap_system_id": SAP_SYSTEM_ID,
            "health": "passing",
            "database_health": "passing",
            "tenant": "QAS",
            "db_host": "10.74.1.99",
            "database_stale_at": AT,
        }

    def test_deregister_and_restore_from_the_database(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        deregistration = {"sap_system_id": SAP_SYSTEM_ID, "deregistered_at": AT}
        assert when(sap_system, "DeregisterSapSystem", deregistration) == [("SapSystemDeregistered", deregistration)]
        assert when(sap_system, "DeregisterSapSystem", deregistration) == []
        assert rejected(sap_system, "UpdateDatabaseHealth", {"database_health": "passing"}) == (
            "sap_system_not_registered"
        )
        # instance commands still work, so a host deregistration can empty the system
        assert types(when(sap_system, "MarkApplicationInstanceAbsent", {**key(instances["pas"]), "absent_at": AT})) == [
            "ApplicationInstanceMarkedAbsent"
        ]

        restore = {
            "sap_system_id": SAP_SYSTEM_ID,
            "tenant": "PRD",
            "db_host": "10.74.1.13",
            "database_health": "warning",
        }
        events = when(sap_system, "RestoreSapSystem", restore)
        # The restore keeps the system's own health (a restored database is in sync); the database's
        # health moves it in SapSystemHealthChanged.
        assert events == [
            ("SapSystemRestored", {**restore, "health": "passing", "database_stale_at": None}),
            ("SapSystemHealthChanged", {"sap_system_id": SAP_SYSTEM_ID, "health": "warning"}),
        ]
        assert sap_system.db_host == "10.74.1.13"
        assert when(sap_system, "RestoreSapSystem", restore) == []

    def test_restore_waits_for_a_complete_set_of_instances(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"])
        when(sap_system, "DeregisterApplicationInstance", self.deregister(instances["pas"]))
        assert (
            when(sap_system, "RestoreSapSystem", {"sap_system_id": SAP_SYSTEM_ID, "database_health": "passing"}) == []
        )

    def test_removing_the_last_stale_instance_clears_staleness(self, instances):
        sap_system = system_of(instances["pas"], instances["ascs"], instances["aas"])
        when(sap_system, "MarkApplicationInstanceDataStale", {**key(instances["aas"]), "stale_at": AT})
        assert types(when(sap_system, "DeregisterApplicationInstance", self.deregister(instances["aas"]))) == [
            "ApplicationInstanceDeregistered",
            "SapSystemDataMarkedInSync",
        ]


def test_state_survives_a_snapshot_round_trip(instances):
    sap_system = system_of(instances["pas"], instances["ascs"])
    copy = replay(sap_system)
    assert copy.snapshot_state() == sap_system.snapshot_state()
    assert when(copy, "RegisterApplicationInstance", instances["pas"]) == []
