import pytest

from apps.landscape.aggregates.cluster import Cluster, discovered_healths
from apps.landscape.commands import cluster_id as make_cluster_id
from tests.landscape.support import envelope, given, rejected, replay, types, when

CLUSTER_ID = make_cluster_id("47d1190ffb4f781974c8356d7f863b03")
STREAM = f"cluster-{CLUSTER_ID}"
NODE1 = "779cdd70-e9e2-58ca-b18a-bf3eb3f71244"
NODE2 = "fb2c6b8a-9915-5969-a6b7-8b5a42de1971"
AT = "2026-08-01T10:00:00+00:00"


@pytest.fixture(scope="module")
def dc_payload(shared_dir):
    """RegisterOnlineClusterHost as the policy would build it from the DC's HANA scale-up discovery."""
    found = envelope(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json")
    cluster = found["payload"]
    attributes = {
        node["Name"]: {a["Name"]: a["Value"] for a in node["Attributes"]}
        for node in cluster["Crmmon"]["NodeAttributes"]["Nodes"]
    }
    return {
        "cluster_id": make_cluster_id(cluster["Id"]),
        "host_id": found["agent_id"],
        "name": cluster["Name"],
        "type": "hana_scale_up",
        "state": "idle",
        "provider": cluster["Provider"],
        "sap_instances": [{"name": "HDB00", "sid": "PRD", "instance_number": "00", "mounted": True}],
        "resources_number": 8,
        "hosts_number": 2,
        "details": {
            "architecture_type": "classic",
            "sr_health_state": attributes["node01"]["hana_prd_roles"].split(":")[0],
            "secondary_sync_state": attributes["node02"]["hana_prd_sync_state"],
            "sbd_devices": [{"device": d["Device"], "status": d["Status"]} for d in cluster["SBD"]["Devices"]],
            "fencing_type": "external/sbd",
        },
        "designated_controller": cluster["DC"],
    }


def non_dc(payload, host_id=NODE2):
    return {**payload, "host_id": host_id, "designated_controller": False}


def offline(host_id):
    return {"cluster_id": CLUSTER_ID, "host_id": host_id, "name": "hana_cluster"}


def cluster_of(*commands):
    cluster = Cluster(STREAM)
    for command_type, payload in commands:
        when(cluster, command_type, payload)
    return cluster


class TestRegistration:
    def test_the_dc_registers_the_cluster_with_details_and_health(self, dc_payload):
        """As upstream: the registration carries the health and its details, no sub-health events follow."""
        cluster = Cluster(STREAM)
        events = when(cluster, "RegisterOnlineClusterHost", dc_payload)

        assert types(events) == ["ClusterRegistered", "HostAddedToCluster"]
        registered = events[0][1]
        assert registered["cluster_id"] == CLUSTER_ID
        assert registered["name"] == "hana_cluster"
        assert registered["details"]["sr_health_state"] == "4"
        assert registered["health"] == "passing"
        # Upstream's defaults: what does not apply to a HANA cluster (distributed health) reads unknown.
        assert registered["health_details"] == {
            "replication_health": "passing",
            "distributed_health": "unknown",
            "sbd_health": "passing",
            "checks_health": "unknown",
        }
        assert events[1][1] == {"cluster_id": CLUSTER_ID, "host_id": NODE1, "cluster_host_status": "online"}
        assert (cluster.health, cluster.replication_health, cluster.sbd_health) == ("passing", "passing", "passing")
        assert cluster.distributed_health is None  # it does not weigh in a HANA cluster's health

    def test_the_same_discovery_twice_emits_nothing(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload))
        assert when(cluster, "RegisterOnlineClusterHost", dc_payload) == []
        when(cluster, "RegisterOnlineClusterHost", non_dc(dc_payload))
        assert when(cluster, "RegisterOnlineClusterHost", non_dc(dc_payload)) == []

    def test_a_non_dc_node_first_registers_the_cluster_with_unknown_details(self, dc_payload):
        events = when(Cluster(STREAM), "RegisterOnlineClusterHost", non_dc(dc_payload))
        assert types(events) == ["ClusterRegistered", "HostAddedToCluster"]
        registered = events[0][1]
        assert registered["name"] == "hana_cluster"
        assert (registered["type"], registered["provider"], registered["state"]) == ("unknown", "unknown", "unknown")
        assert registered["sap_instances"] == []
        assert registered["details"] is registered["resources_number"] is registered["hosts_number"] is None
        assert registered["health"] == "unknown"

    def test_non_dc_nodes_only_add_themselves(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload))
        changed = non_dc({**dc_payload, "details": {**dc_payload["details"], "secondary_sync_state": "SFAIL"}})
        assert when(cluster, "RegisterOnlineClusterHost", changed) == [
            ("HostAddedToCluster", {"cluster_id": CLUSTER_ID, "host_id": NODE2, "cluster_host_status": "online"})
        ]
        assert cluster.replication_health == "passing"

    def test_details_change_only_from_the_dc(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", non_dc(dc_payload)))
        events = when(cluster, "RegisterOnlineClusterHost", dc_payload)
        assert types(events) == [
            "HostAddedToCluster",
            "ClusterDetailsUpdated",
            "ClusterReplicationHealthChanged",
            "ClusterSbdHealthChanged",
            "ClusterHealthChanged",
        ]
        assert events[1][1]["provider"] == "azure"
        assert cluster.info["type"] == "hana_scale_up"

    def test_a_failing_secondary_reported_by_the_dc_turns_the_cluster_critical(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload))
        failing = {**dc_payload, "details": {**dc_payload["details"], "secondary_sync_state": "SFAIL"}}
        events = when(cluster, "RegisterOnlineClusterHost", failing)
        assert types(events) == ["ClusterDetailsUpdated", "ClusterReplicationHealthChanged", "ClusterHealthChanged"]
        assert events[1][1]["replication_health"] == "critical"
        assert events[2][1]["health"] == "critical"

    def test_registration_after_deregistration_restores(self, dc_payload):
        cluster = cluster_of(
            ("RegisterOnlineClusterHost", dc_payload),
            ("DeregisterClusterHost", {"cluster_id": CLUSTER_ID, "host_id": NODE1, "deregistered_at": AT}),
        )
        assert cluster.deregistered_at == AT
        assert types(when(cluster, "RegisterOnlineClusterHost", dc_payload)) == [
            "ClusterRestored",
            "HostAddedToCluster",
        ]
        assert cluster.deregistered_at is None

    @pytest.mark.parametrize(
        ("command_type", "payload"),
        [
            ("DeregisterClusterHost", {"host_id": NODE1, "deregistered_at": AT}),
            ("MarkClusterHostStale", {"host_id": NODE1, "stale_at": AT}),
            ("SelectChecks", {"checks": ["156F64"]}),
            ("CompleteChecksExecution", {"health": "passing"}),
        ],
    )
    def test_commands_against_an_unregistered_cluster_are_rejected(self, command_type, payload):
        assert rejected(Cluster(STREAM), command_type, {"cluster_id": CLUSTER_ID, **payload}) == (
            "cluster_not_registered"
        )


class TestOfflineNodes:
    def test_an_offline_node_registers_with_its_status_and_nothing_else(self):
        """An offline first report knows nothing of the cluster: its state is unknown, not stopped."""
        events = when(Cluster(STREAM), "RegisterOfflineClusterHost", offline(NODE1))
        assert types(events) == ["ClusterRegistered", "HostAddedToCluster"]
        assert (events[0][1]["type"], events[0][1]["state"], events[0][1]["sap_instances"]) == (
            "unknown",
            "unknown",
            [],
        )
        assert events[1][1]["cluster_host_status"] == "offline"

    def test_a_node_going_offline_changes_its_status(self, dc_payload):
        cluster = cluster_of(
            ("RegisterOnlineClusterHost", dc_payload), ("RegisterOnlineClusterHost", non_dc(dc_payload))
        )
        assert when(cluster, "RegisterOfflineClusterHost", offline(NODE2)) == [
            ("ClusterHostStatusChanged", {"cluster_id": CLUSTER_ID, "host_id": NODE2, "cluster_host_status": "offline"})
        ]
        assert when(cluster, "RegisterOfflineClusterHost", offline(NODE2)) == []

    def test_all_nodes_offline_stop_the_cluster_and_its_discovered_healths_become_unknown(self, dc_payload):
        cluster = cluster_of(
            ("RegisterOnlineClusterHost", dc_payload),
            ("RegisterOnlineClusterHost", non_dc(dc_payload)),
            ("RegisterOfflineClusterHost", offline(NODE2)),
        )
        events = when(cluster, "RegisterOfflineClusterHost", offline(NODE1))
        assert types(events) == [
            "ClusterHostStatusChanged",
            "ClusterDetailsUpdated",
            "ClusterReplicationHealthChanged",
            "ClusterSbdHealthChanged",
            "ClusterHealthChanged",
        ]
        details = events[1][1]
        assert details["state"] == "stopped"
        assert details["details"] == dc_payload["details"]  # the last known details are kept
        assert events[2][1]["replication_health"] == "unknown"
        assert events[3][1]["sbd_health"] == "unknown"
        assert events[4][1]["health"] == "unknown"
        assert when(cluster, "RegisterOfflineClusterHost", offline(NODE1)) == []

    def test_the_dc_coming_back_restores_details_and_health(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload), ("RegisterOfflineClusterHost", offline(NODE1)))
        assert cluster.health == "unknown"
        events = when(cluster, "RegisterOnlineClusterHost", dc_payload)
        assert types(events) == [
            "ClusterHostStatusChanged",
            "ClusterDetailsUpdated",
            "ClusterReplicationHealthChanged",
            "ClusterSbdHealthChanged",
            "ClusterHealthChanged",
        ]
        assert cluster.info["state"] == "idle"
        assert cluster.health == "passing"


class TestDiscoveredHealth:
    @pytest.mark.parametrize(
        ("sr_health_state", "sync_state", "expected"),
        [
            ("4", "SOK", "passing"),
            (4, "SOK", "passing"),
            ("1", "SOK", "critical"),
            ("4", "SFAIL", "critical"),
            (None, "SOK", "unknown"),
            ("4", "Unknown", "unknown"),
            ("", "SOK", "unknown"),
        ],
    )
    def test_replication_health(self, sr_health_state, sync_state, expected):
        info = {
            "type": "hana_scale_out",
            "details": {"sr_health_state": sr_health_state, "secondary_sync_state": sync_state},
        }
        assert discovered_healths(info)["replication_health"] == expected

    @pytest.mark.parametrize(
        ("distributed", "expected"), [([True, True], "passing"), ([True, False], "critical"), ([], "unknown")]
    )
    def test_distributed_health_of_ascs_ers(self, distributed, expected):
        systems = [{"sid": f"NW{i}", "distributed": flag} for i, flag in enumerate(distributed)]
        healths = discovered_healths({"type": "ascs_ers", "details": {"sap_systems": systems}})
        assert healths["distributed_health"] == expected
        assert healths["replication_health"] is None

    @pytest.mark.parametrize(
        ("statuses", "expected"),
        [(["healthy", "healthy"], "passing"), (["healthy", "unhealthy"], "critical"), ([], "unknown")],
    )
    def test_sbd_health(self, statuses, expected):
        devices = [{"device": f"/dev/vd{i}", "status": status} for i, status in enumerate(statuses)]
        assert discovered_healths({"type": "unknown", "details": {"sbd_devices": devices}})["sbd_health"] == expected

    def test_healths_that_do_not_apply_are_none(self):
        assert discovered_healths({"type": "hana_scale_up", "details": None})["distributed_health"] is None


class TestClusterHealth:
    @pytest.mark.parametrize(
        ("replication", "sbd", "checks", "expected"),
        [
            ("passing", "unknown", "unknown", "passing"),  # no SBD, no checks selected: not unknown
            ("passing", "critical", "passing", "critical"),
            ("passing", "passing", "warning", "warning"),
            ("unknown", "passing", "passing", "unknown"),  # discovered unknown weighs most
            ("critical", "passing", "warning", "critical"),
        ],
    )
    def test_worst_of_sub_healths_dropping_unknown_checks_and_sbd(self, replication, sbd, checks, expected):
        cluster = given(
            Cluster,
            STREAM,
            (
                "ClusterRegistered",
                {
                    "cluster_id": CLUSTER_ID,
                    "name": "hana_cluster",
                    "type": "hana_scale_up",
                    "health": "unknown",
                    "health_details": {"replication_health": replication, "sbd_health": sbd},
                },
            ),
        )
        when(cluster, "CompleteChecksExecution", {"cluster_id": CLUSTER_ID, "health": checks})
        assert cluster.health == expected

    def test_checks_health_events(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload))
        events = when(cluster, "CompleteChecksExecution", {"cluster_id": CLUSTER_ID, "health": "critical"})
        assert events == [
            ("ClusterChecksHealthChanged", {"cluster_id": CLUSTER_ID, "checks_health": "critical"}),
            ("ClusterHealthChanged", {"cluster_id": CLUSTER_ID, "health": "critical"}),
        ]
        assert when(cluster, "CompleteChecksExecution", {"cluster_id": CLUSTER_ID, "health": "critical"}) == []

    def test_checks_selection_once(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload))
        payload = {"cluster_id": CLUSTER_ID, "checks": ["156F64", "21FCA6"]}
        assert when(cluster, "SelectChecks", payload) == [("ChecksSelected", payload)]
        assert when(cluster, "SelectChecks", payload) == []


class TestHostRemoval:
    def test_removing_a_host(self, dc_payload):
        cluster = cluster_of(
            ("RegisterOnlineClusterHost", dc_payload), ("RegisterOnlineClusterHost", non_dc(dc_payload))
        )
        payload = {"cluster_id": CLUSTER_ID, "host_id": NODE2, "deregistered_at": AT}
        assert when(cluster, "DeregisterClusterHost", payload) == [
            ("HostRemovedFromCluster", {"cluster_id": CLUSTER_ID, "host_id": NODE2, "deregistered_at": AT})
        ]
        assert when(cluster, "DeregisterClusterHost", payload) == []

    def test_removing_the_last_host_deregisters_and_tombstones_the_cluster(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload))
        events = when(
            cluster, "DeregisterClusterHost", {"cluster_id": CLUSTER_ID, "host_id": NODE1, "deregistered_at": AT}
        )
        assert events == [
            ("HostRemovedFromCluster", {"cluster_id": CLUSTER_ID, "host_id": NODE1, "deregistered_at": AT}),
            ("ClusterDeregistered", {"cluster_id": CLUSTER_ID, "deregistered_at": AT}),
            ("ClusterTombstoned", {"cluster_id": CLUSTER_ID}),
        ]
        assert rejected(cluster, "SelectChecks", {"cluster_id": CLUSTER_ID, "checks": []}) == "cluster_not_registered"

    def test_removing_the_only_online_node_stops_the_cluster(self, dc_payload):
        cluster = cluster_of(
            ("RegisterOnlineClusterHost", dc_payload),
            ("RegisterOnlineClusterHost", non_dc(dc_payload)),
            ("RegisterOfflineClusterHost", offline(NODE2)),
        )
        events = when(
            cluster, "DeregisterClusterHost", {"cluster_id": CLUSTER_ID, "host_id": NODE1, "deregistered_at": AT}
        )
        assert types(events)[:2] == ["HostRemovedFromCluster", "ClusterDetailsUpdated"]
        assert cluster.info["state"] == "stopped"


class TestStaleness:
    def stale(self, host_id):
        return {"cluster_id": CLUSTER_ID, "host_id": host_id, "stale_at": AT}

    def test_first_stale_host_marks_the_cluster_stale_last_back_clears_it(self, dc_payload):
        cluster = cluster_of(
            ("RegisterOnlineClusterHost", dc_payload), ("RegisterOnlineClusterHost", non_dc(dc_payload))
        )
        assert when(cluster, "MarkClusterHostStale", self.stale(NODE1)) == [
            ("ClusterHostDataMarkedStale", {"cluster_id": CLUSTER_ID, "host_id": NODE1, "stale_at": AT}),
            ("ClusterDataMarkedStale", {"cluster_id": CLUSTER_ID, "stale_at": AT}),
        ]
        assert when(cluster, "MarkClusterHostStale", self.stale(NODE1)) == []
        assert types(when(cluster, "MarkClusterHostStale", self.stale(NODE2))) == ["ClusterHostDataMarkedStale"]

        assert when(cluster, "RegisterOnlineClusterHost", dc_payload) == [
            ("ClusterHostDataMarkedInSync", {"cluster_id": CLUSTER_ID, "host_id": NODE1})
        ]
        assert types(when(cluster, "RegisterOfflineClusterHost", offline(NODE2))) == [
            "ClusterHostStatusChanged",
            "ClusterHostDataMarkedInSync",
            "ClusterDataMarkedInSync",
        ]
        assert cluster.stale_at is None

    def test_removing_the_last_stale_host_clears_the_cluster(self, dc_payload):
        cluster = cluster_of(
            ("RegisterOnlineClusterHost", dc_payload),
            ("RegisterOnlineClusterHost", non_dc(dc_payload)),
            ("MarkClusterHostStale", self.stale(NODE2)),
        )
        events = when(
            cluster, "DeregisterClusterHost", {"cluster_id": CLUSTER_ID, "host_id": NODE2, "deregistered_at": AT}
        )
        assert types(events) == ["HostRemovedFromCluster", "ClusterDataMarkedInSync"]

    def test_an_unknown_host_is_not_marked(self, dc_payload):
        cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload))
        assert when(cluster, "MarkClusterHostStale", self.stale(NODE2)) == []


def test_state_survives_a_snapshot_round_trip(dc_payload):
    cluster = cluster_of(("RegisterOnlineClusterHost", dc_payload), ("RegisterOnlineClusterHost", non_dc(dc_payload)))
    copy = replay(cluster)
    assert copy.snapshot_state() == cluster.snapshot_state()
    assert when(copy, "RegisterOnlineClusterHost", dc_payload) == []
