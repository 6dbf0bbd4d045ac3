import pytest

from apps.discovery.policies import InvalidDiscovery, PolicyContext, cib_last_written
from apps.landscape.commands import cluster_id
from tests.discovery.support import RECEIVED_AT, run

HOST = "779cdd70-e9e2-58ca-b18a-bf3eb3f71244"
HANA_CLUSTER = cluster_id("47d1190ffb4f781974c8356d7f863b03")
OTHER_CLUSTER = "0eac831a-aa66-5f45-89a4-007fbd2c5714"


def registered(envelope, context=None):
    *_, command = run(envelope, context)
    assert command.type == "RegisterOnlineClusterHost"
    return command.payload


@pytest.mark.parametrize(
    ("fixture", "cluster_type", "architecture"),
    [
        ("web/ha_cluster_discovery_hana_scale_up.json", "hana_scale_up", "classic"),
        ("web/ha_cluster_discovery_aws.json", "hana_scale_up", "classic"),
        ("web/ha_cluster_discovery_gcp.json", "hana_scale_up", "classic"),
        ("web/ha_cluster_discovery_hana_scale_up_cost_opt.json", "hana_scale_up", "classic"),
        ("web/ha_cluster_discovery_hana_ascs_ers.json", "hana_scale_up", "classic"),
        ("web/ha_cluster_discovery_malformed_resources_null.json", "hana_scale_up", "classic"),
        ("agent/cluster/expected_published_cluster_discovery_pacemaker3.json", "hana_scale_up", "classic"),
        ("web/ha_cluster_discovery_angi_hana_scale_up.json", "hana_scale_up", "angi"),
        ("web/ha_cluster_discovery_angi_hana_scale_up_failover.json", "hana_scale_up", "angi"),
        ("web/ha_cluster_discovery_hana_scale_out.json", "hana_scale_out", "classic"),
        ("web/ha_cluster_discovery_hana_scale_out_multitarget.json", "hana_scale_out", "classic"),
        ("web/ha_cluster_discovery_hana_scale_out_no_srhooks.json", "hana_scale_out", "classic"),
        ("web/ha_cluster_discovery_hana_scale_out_with_majority_maker.json", "hana_scale_out", "classic"),
        ("web/ha_cluster_discovery_ascs_ers.json", "ascs_ers", None),
        ("web/ha_cluster_discovery_ascs_ers_multi_sid.json", "ascs_ers", None),
        ("web/ha_cluster_discovery_ascs_ers_simple_mount.json", "ascs_ers", None),
        ("web/ha_cluster_discovery_ascs_ers_unmounted.json", "ascs_ers", None),
        # A single SAPInstance group cannot be an ASCS/ERS pair.
        ("web/ha_cluster_discovery_ascs_ers_invalid.json", "unknown", None),
    ],
)
def test_cluster_type_and_hana_architecture(envelope, fixture, cluster_type, architecture):
    payload = registered(envelope(fixture))
    assert payload["type"] == cluster_type
    assert payload["details"].get("architecture_type") == architecture


@pytest.mark.parametrize(
    ("fixture", "sr_health_state", "secondary_sync_state", "mode", "operation_mode"),
    [
        # Classic scale-up: from the secondary node's attributes.
        ("web/ha_cluster_discovery_hana_scale_up.json", "4", "SOK", "sync", "logreplay"),
        # vmhana01 is a primary that lost PRIM (failover): Failed, its roles/sync state count.
        ("web/ha_cluster_discovery_gcp.json", "1", "SFAIL", "sync", "logreplay"),
        ("web/ha_cluster_discovery_hana_scale_up_empty_nodes_history.json", "Unknown", "Unknown", "sync", "logreplay"),
        # Classic scale-out: global cluster properties, srmode / op_mode as configured.
        ("web/ha_cluster_discovery_hana_scale_out.json", "4", "SOK", "syncmem", "delta_datashipping"),
        # ... or the resource agent defaults when not configured.
        ("web/ha_cluster_discovery_hana_scale_out_no_srhooks.json", "4", "SOK", "sync", "logreplay"),
        # angi: per-site srPoll / lss of the secondary; after a failover glob_sec is "-".
        ("web/ha_cluster_discovery_angi_hana_scale_up.json", "4", "SOK", "sync", "logreplay"),
        ("web/ha_cluster_discovery_angi_hana_scale_up_failover.json", "1", "SFAIL", "sync", "logreplay"),
    ],
)
def test_system_replication_health_inputs(
    envelope, fixture, sr_health_state, secondary_sync_state, mode, operation_mode
):
    details = registered(envelope(fixture))["details"]
    assert details["sr_health_state"] == sr_health_state
    assert details["secondary_sync_state"] == secondary_sync_state
    assert details["system_replication_mode"] == mode
    assert details["system_replication_operation_mode"] == operation_mode


def test_hana_nodes_and_sites_of_a_scale_up_cluster(envelope):
    details = registered(envelope("web/ha_cluster_discovery_hana_scale_up.json"))["details"]
    node01, node02 = details["nodes"]
    assert (node01["name"], node01["site"], node01["hana_status"], node01["virtual_ip"]) == (
        "node01",
        "PRIMARY_SITE_NAME",
        "Primary",
        "10.74.1.12",
    )
    assert (node02["hana_status"], node02["virtual_ip"]) == ("Secondary", None)
    assert (node01["nameserver_actual_role"], node01["indexserver_actual_role"]) == ("master", "master")
    rsc_hana = next(r for r in node01["resources"] if r["id"] == "rsc_SAPHana_PRD_HDB00")
    assert rsc_hana == {
        "id": "rsc_SAPHana_PRD_HDB00",
        "type": "ocf::suse:SAPHana",
        "role": "Master",
        "status": "Active",
        "fail_count": 1000000,
        "managed": True,
    }
    assert details["sites"] == [
        {"name": "PRIMARY_SITE_NAME", "state": "Primary", "sr_health_state": "4"},
        {"name": "SECONDARY_SITE_NAME", "state": "Secondary", "sr_health_state": "4"},
    ]
    assert [s["id"] for s in details["stopped_resources"]] == ["test-stop", "clusterfs", "clusterfs"]


def test_the_volatile_lpt_attribute_is_stripped_so_an_unchanged_cluster_gives_the_same_command(envelope):
    first = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    later = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    for node in later["payload"]["Crmmon"]["NodeAttributes"]["Nodes"]:
        for attribute in node["Attributes"]:
            if attribute["Name"] == "lpa_prd_lpt":
                attribute["Value"] = "1999999999"
    later["payload"]["Crmmon"]["Summary"]["LastChange"]["Time"] = "Sat Oct 19 09:00:00 2019"
    assert registered(first) == registered(later)
    assert all("lpa_prd_lpt" not in node["attributes"] for node in registered(first)["details"]["nodes"])
    assert cib_last_written(later["payload"]) == "Sat Oct 19 09:00:00 2019"


def test_node_status_follows_the_crm_mon_flags(envelope):
    nodes = registered(envelope("web/ha_cluster_discovery_hana_scale_up_node_status.json"))["details"]["nodes"]
    assert [n["status"] for n in nodes] == [
        "Offline",
        "Unclean",
        "Standby",
        "Maintenance",
        "Shutdown",
        "Pending",
        "Standby on fail",
        "Online",
    ]


def test_scale_out_sites_and_majority_maker(envelope):
    details = registered(envelope("web/ha_cluster_discovery_hana_scale_out_with_majority_maker.json"))["details"]
    assert [(n["name"], n["is_majority_maker"], n["hana_status"]) for n in details["nodes"]] == [
        ("hana-s-mm", True, "Unknown"),
        ("hana-s1-db1", False, "Primary"),
        ("hana-s1-db2", False, "Primary"),
        ("hana-s2-db1", False, "Secondary"),
        ("hana-s2-db2", False, "Secondary"),
    ]
    assert details["sites"] == [
        {"name": "HANA_S1", "state": "Primary", "sr_health_state": "4"},
        {"name": "HANA_S2", "state": "Secondary", "sr_health_state": "4"},
    ]


@pytest.mark.parametrize(
    ("fixture", "fencing_type"),
    [
        ("web/ha_cluster_discovery_hana_scale_up.json", "external/sbd"),
        ("web/ha_cluster_discovery_aws.json", "external/ec2"),
        ("web/ha_cluster_discovery_gcp.json", "fence_gce"),
        ("web/ha_cluster_discovery_hana_scale_up_diskless_sbd.json", "Diskless SBD"),
        ("web/ha_cluster_discovery_hana_scale_out_no_srhooks.json", "Diskless SBD"),
    ],
)
def test_fencing_type(envelope, fixture, fencing_type):
    assert registered(envelope(fixture))["details"]["fencing_type"] == fencing_type


def test_fencing_is_unknown_with_an_sbd_device_but_no_stonith_resource(envelope):
    cluster = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    cluster["payload"]["Crmmon"]["Resources"] = []
    assert registered(cluster)["details"]["fencing_type"] == "Unknown"


def test_maintenance_mode_and_sbd_devices(envelope):
    assert registered(envelope("web/ha_cluster_discovery_hana_scale_up_maintenance.json"))["details"][
        "maintenance_mode"
    ]
    assert registered(envelope("web/ha_cluster_discovery_ascs_ers_maintenance.json"))["details"]["maintenance_mode"]
    details = registered(envelope("web/ha_cluster_discovery_hana_scale_up.json"))["details"]
    assert details["maintenance_mode"] is False
    assert details["sbd_devices"] == [
        {"device": "/dev/vdc", "status": "healthy"},
        {"device": "/dev/vdb", "status": "healthy"},
    ]


def test_cluster_level_fields(envelope):
    payload = registered(envelope("web/ha_cluster_discovery_hana_scale_up.json"))
    assert (payload["cluster_id"], payload["host_id"], payload["name"]) == (HANA_CLUSTER, HOST, "hana_cluster")
    assert (payload["state"], payload["provider"], payload["designated_controller"]) == ("idle", "azure", True)
    assert (payload["resources_number"], payload["hosts_number"]) == (8, 2)
    assert registered(envelope("web/ha_cluster_discovery_legacy_no_online_field.json"))["state"] == "unknown"
    assert registered(envelope("web/ha_cluster_discovery_malformed_resources_null.json"))["provider"] == "unknown"
    assert registered(envelope("web/ha_cluster_discovery_unnamed.json"))["name"] == ""
    assert (
        registered(envelope("agent/cluster/expected_published_cluster_discovery.json"))["designated_controller"]
        is False
    )


def test_hana_scenario_depends_on_sap_instances_beside_hana(envelope):
    cost = registered(envelope("web/ha_cluster_discovery_hana_scale_up_cost_opt.json"))
    assert cost["details"]["hana_scenario"] == "cost_optimized"
    assert [(i["sid"], i["name"], i["resource_type"]) for i in cost["sap_instances"]] == [
        ("HDQ", "HDB10", "sap_hana_topology"),
        ("QAS", "HDB20", "sap_instance"),
    ]
    performance = registered(envelope("web/ha_cluster_discovery_hana_scale_up.json"))
    assert performance["details"]["hana_scenario"] == "performance_optimized"


@pytest.mark.parametrize(
    ("fixture", "mounted"),
    [
        ("web/ha_cluster_discovery_ascs_ers.json", {"ASCS00": True, "ERS10": True}),
        ("web/ha_cluster_discovery_ascs_ers_simple_mount.json", {"ASCS00": True, "ERS10": True}),
        # The ERS group has neither Filesystem nor SAPStartSrv: installed on both nodes, never moved.
        ("web/ha_cluster_discovery_ascs_ers_unmounted.json", {"ASCS00": True, "ERS10": False}),
    ],
)
def test_sap_instances_are_mounted_when_the_cluster_moves_their_files(envelope, fixture, mounted):
    instances = registered(envelope(fixture))["sap_instances"]
    assert {i["name"]: i["mounted"] for i in instances} == mounted
    assert {(i["sid"], i["instance_number"], i["hostname"]) for i in instances} == {
        ("NWP", "00", "sapnwpas"),
        ("NWP", "10", "sapnwper"),
    }


def test_ascs_ers_distribution_per_sap_system(envelope):
    details = registered(envelope("web/ha_cluster_discovery_ascs_ers_multi_sid.json"))["details"]
    assert [(s["sid"], s["distributed"], s["filesystem_type"]) for s in details["sap_systems"]] == [
        ("NWP", True, "resource_based"),
        ("NWD", True, "resource_based"),
    ]
    nwp = details["sap_systems"][0]
    assert [(n["name"], n["roles"], n["virtual_ips"], n["filesystems"]) for n in nwp["nodes"]] == [
        ("vmnwprd01", ["ascs"], ["10.80.1.25"], ["/usr/sap/NWP/ASCS00"]),
        ("vmnwprd02", ["ers"], ["10.80.1.26"], ["/usr/sap/NWP/ERS10"]),
    ]
    assert nwp["filesystem_resource_based"] is True


def test_ascs_ers_is_not_distributed_when_both_run_on_one_node(envelope):
    cluster = envelope("web/ha_cluster_discovery_ascs_ers.json")
    for group in cluster["payload"]["Crmmon"]["Groups"]:
        for resource in group["Resources"]:
            resource["Node"]["Name"] = "vmnwprd01"
    [system] = registered(cluster)["details"]["sap_systems"]
    assert system["distributed"] is False
    assert [n["roles"] for n in system["nodes"]] == [["ascs", "ers"], []]


def test_ascs_ers_is_not_distributed_when_a_node_is_unclean(envelope):
    cluster = envelope("web/ha_cluster_discovery_ascs_ers.json")
    cluster["payload"]["Crmmon"]["Nodes"][1]["Unclean"] = True
    [system] = registered(cluster)["details"]["sap_systems"]
    assert system["distributed"] is False
    assert system["nodes"][1]["status"] == "Unclean"


def test_filesystem_type_per_sap_system(envelope):
    simple = registered(envelope("web/ha_cluster_discovery_ascs_ers_simple_mount.json"))["details"]["sap_systems"][0]
    assert (simple["filesystem_type"], simple["filesystem_resource_based"]) == ("simple_mount", False)
    mixed = registered(envelope("web/ha_cluster_discovery_ascs_ers_unmounted.json"))["details"]["sap_systems"][0]
    assert mixed["filesystem_type"] == "mixed"


def test_an_unknown_cluster_still_reports_its_nodes_and_fencing(envelope):
    payload = registered(envelope("web/ha_cluster_discovery_ascs_ers_invalid.json"))
    assert payload["type"] == "unknown"
    assert set(payload["details"]) == {"fencing_type", "maintenance_mode", "stopped_resources", "sbd_devices", "nodes"}
    assert [n["name"] for n in payload["details"]["nodes"]] == ["vmnwprd01", "vmnwprd02"]


def test_a_null_payload_removes_the_host_from_its_cluster(envelope):
    unclustered = envelope("web/ha_cluster_discovery_unclustered.json")
    [command] = run(unclustered, PolicyContext(current_cluster_id=HANA_CLUSTER, received_at=RECEIVED_AT))
    assert command.type == "DeregisterClusterHost"
    assert command.stream_id == f"cluster-{HANA_CLUSTER}"
    assert command.payload == {"cluster_id": HANA_CLUSTER, "host_id": HOST, "deregistered_at": RECEIVED_AT.isoformat()}
    assert run(unclustered, PolicyContext()) == []


def test_a_host_that_moved_leaves_its_old_cluster_first(envelope):
    commands = run(
        envelope("web/ha_cluster_discovery_hana_scale_up.json"), PolicyContext(current_cluster_id=OTHER_CLUSTER)
    )
    assert [(c.type, c.stream_id) for c in commands] == [
        ("DeregisterClusterHost", f"cluster-{OTHER_CLUSTER}"),
        ("RegisterOnlineClusterHost", f"cluster-{HANA_CLUSTER}"),
    ]
    assert commands[0].payload["host_id"] == HOST


def test_a_host_in_the_same_cluster_only_registers(envelope):
    commands = run(
        envelope("web/ha_cluster_discovery_hana_scale_up.json"), PolicyContext(current_cluster_id=HANA_CLUSTER.upper())
    )
    assert [c.type for c in commands] == ["RegisterOnlineClusterHost"]


def test_an_offline_node_registers_with_ids_and_name_only(envelope):
    [command] = run(envelope("web/ha_cluster_discovery_host_offline.json"))
    assert (command.type, command.stream_id) == ("RegisterOfflineClusterHost", f"cluster-{HANA_CLUSTER}")
    assert command.payload == {"cluster_id": HANA_CLUSTER, "host_id": HOST, "name": "ha_cluster"}
    [unnamed] = run(envelope("web/ha_cluster_discovery_host_offline_unnamed.json"))
    assert unnamed.payload["name"] == ""


def test_a_cluster_without_id_is_rejected(envelope):
    cluster = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    del cluster["payload"]["Id"]
    with pytest.raises(InvalidDiscovery) as rejected:
        run(cluster)
    assert rejected.value.errors[0].path == "/payload/Id"
