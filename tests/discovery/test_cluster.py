import pytest

from apps.discovery.policies import InvalidDiscovery, PolicyContext
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
        # HANA beside an ASCS/ERS pair: a type of its own, without details.
        ("web/ha_cluster_discovery_hana_ascs_ers.json", "hana_ascs_ers", None),
        ("web/ha_cluster_discovery_malformed_resources_null.json", "hana_ascs_ers", None),
        ("agent/cluster/expected_published_cluster_discovery_pacemaker3.json", "hana_ascs_ers", None),
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
    assert (payload["details"] or {}).get("architecture_type") == architecture
    if cluster_type in ("hana_ascs_ers", "unknown"):
        assert payload["details"] is None


@pytest.mark.parametrize(
    ("fixture", "sr_health_state", "secondary_sync_state", "mode", "operation_mode"),
    [
        # Classic scale-up: from the secondary node's attributes.
        ("web/ha_cluster_discovery_hana_scale_up.json", "4", "SOK", "sync", "logreplay"),
        # vmhana01 is a primary that lost PRIM (failover): Failed, its roles/sync state count.
        ("web/ha_cluster_discovery_gcp.json", "1", "SFAIL", "sync", "logreplay"),
        # The modes are read from the first node only, which has no HANA attributes here.
        ("web/ha_cluster_discovery_hana_scale_up_empty_nodes_history.json", "Unknown", "Unknown", "Unknown", "Unknown"),
        # Classic scale-out: global cluster properties, srmode / op_mode as configured.
        ("web/ha_cluster_discovery_hana_scale_out.json", "4", "SOK", "syncmem", "delta_datashipping"),
        # ... or the resource agent defaults when not configured.
        ("web/ha_cluster_discovery_hana_scale_out_no_srhooks.json", "4", "SOK", "sync", "logreplay"),
        # angi: per-site srPoll of the secondary and lss of glob_sec; after a failover glob_sec is "-",
        # which names no site.
        ("web/ha_cluster_discovery_angi_hana_scale_up.json", "4", "SOK", "sync", "logreplay"),
        ("web/ha_cluster_discovery_angi_hana_scale_up_failover.json", "Unknown", "SFAIL", "sync", "logreplay"),
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
        "192.168.123.200",
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
        "parent": {"id": "msl_SAPHana_PRD_HDB00", "managed": True, "multi_state": True},
        "node": "node01",
        "sid": "PRD",
    }
    assert details["sites"] == [
        {"name": "PRIMARY_SITE_NAME", "state": "Primary", "sr_health_state": "4"},
        {"name": "SECONDARY_SITE_NAME", "state": "Secondary", "sr_health_state": "4"},
    ]
    assert [s["id"] for s in details["stopped_resources"]] == ["test-stop", "clusterfs", "clusterfs"]


def test_a_stand_alone_ip_primitive_wins_over_a_grouped_one_with_the_same_id(envelope):
    # The fixture configures rsc_ip_PRD_HDB00 stand-alone (192.168.123.200) and again inside g_ip_PRD_HDB00.
    cluster = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    [group] = cluster["payload"]["Cib"]["Configuration"]["Resources"]["Groups"]
    assert group["Primitives"][0]["Id"] == "rsc_ip_PRD_HDB00"
    assert registered(cluster)["details"]["nodes"][0]["virtual_ip"] == "192.168.123.200"
    cluster["payload"]["Cib"]["Configuration"]["Resources"]["Primitives"] = [
        p
        for p in cluster["payload"]["Cib"]["Configuration"]["Resources"]["Primitives"]
        if p["Id"] != "rsc_ip_PRD_HDB00"
    ]
    assert registered(cluster)["details"]["nodes"][0]["virtual_ip"] == "10.74.1.12"


def test_details_list_every_resource_with_its_node_sid_and_parent(envelope):
    details = registered(envelope("web/ha_cluster_discovery_hana_scale_up.json"))["details"]
    resources = details["resources"]
    # Stand-alone resources first, then clone members, then group members: one entry per node.
    assert [(r["id"], r["node"]) for r in resources][:4] == [
        ("test-stop", None),
        ("test", "node02"),
        ("stonith-sbd", "node01"),
        ("rsc_ip_PRD_HDB00", "node01"),
    ]
    topology = [r for r in resources if r["id"] == "rsc_SAPHanaTopology_PRD_HDB00"]
    assert [(r["node"], r["sid"], r["parent"]["id"]) for r in topology] == [
        ("node01", "PRD", "cln_SAPHanaTopology_PRD_HDB00"),
        ("node02", "PRD", "cln_SAPHanaTopology_PRD_HDB00"),
    ]
    assert all(r["sid"] is None for r in resources if not r["type"].startswith("ocf::suse:"))
    for node in details["nodes"]:
        assert node["resources"] == [r for r in resources if r["node"] == node["name"]]


def test_stopped_resources_keep_every_field(envelope):
    details = registered(envelope("web/ha_cluster_discovery_hana_scale_up.json"))["details"]
    assert details["stopped_resources"][0] == {
        "id": "test-stop",
        "type": "ocf::heartbeat:Dummy",
        "role": "Stopped",
        "status": None,
        "fail_count": None,
        "managed": True,
        "parent": None,
        "node": None,
        "sid": None,
    }
    assert details["stopped_resources"][1]["parent"] == {"id": "c-clusterfs", "managed": True, "multi_state": False}


def test_ascs_ers_resources_name_their_sap_system(envelope):
    details = registered(envelope("web/ha_cluster_discovery_ascs_ers.json"))["details"]
    sap_instances = [r for r in details["resources"] if r["type"] == "ocf::heartbeat:SAPInstance"]
    assert {(r["id"], r["sid"], r["parent"]["id"]) for r in sap_instances} == {
        ("rsc_sap_NWP_ASCS00", "NWP", "grp_NWP_ASCS00"),
        ("rsc_sap_NWP_ERS10", "NWP", "grp_NWP_ERS10"),
    }


def test_sap_instances_name_their_cib_primitive_and_hana_has_no_mounted_flag(envelope):
    cost = registered(envelope("web/ha_cluster_discovery_hana_scale_up_cost_opt.json"))["sap_instances"]
    assert [(i["name"], i["resource_id"], i["mounted"]) for i in cost] == [
        ("HDB10", "rsc_SAPHanaTopology_HDQ_HDB10", None),
        ("HDB20", "rsc_SAP_QAS_HDB20", False),
    ]


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_cluster_name_is_null(envelope, blank):
    online = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    online["payload"]["Name"] = blank
    assert registered(online)["name"] is None
    offline = envelope("web/ha_cluster_discovery_host_offline.json")
    offline["payload"]["Name"] = blank
    [command] = run(offline)
    assert command.payload["name"] is None


@pytest.mark.parametrize(
    ("state", "expected"),
    [("S_IDLE", "idle"), ("S_TRANSITION_ENGINE", "transition_engine"), ("S_NOT_DC", "not_dc"), ("S_BOGUS", "unknown")],
)
def test_the_controller_state_is_one_of_pacemakers_or_unknown(envelope, state, expected):
    cluster = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    cluster["payload"]["State"] = state
    assert registered(cluster)["state"] == expected


def test_a_node_without_hana_site_and_roles_has_them_null(envelope):
    cluster = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    node02 = cluster["payload"]["Crmmon"]["NodeAttributes"]["Nodes"][1]
    node02["Attributes"] = [a for a in node02["Attributes"] if a["Name"] not in ("hana_prd_site", "hana_prd_roles")]
    node = registered(cluster)["details"]["nodes"][1]
    assert (node["site"], node["nameserver_actual_role"], node["indexserver_actual_role"]) == (None, None, None)
    assert (node["hana_status"], node["is_majority_maker"]) == ("Unknown", False)


def test_the_command_keeps_the_volatile_parts_that_enrichment_sets_aside(envelope):
    payload = registered(envelope("web/ha_cluster_discovery_hana_scale_up.json"))
    assert payload["cib_last_written"] == "Fri Oct 18 11:48:22 2019"
    assert [n["attributes"]["lpa_prd_lpt"] for n in payload["details"]["nodes"]] == ["1571392102", "30"]


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
    assert registered(envelope("web/ha_cluster_discovery_unnamed.json"))["name"] is None
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
    assert [(s["sid"], s["distributed"], s["filesystem_resource_based"]) for s in details["sap_systems"]] == [
        ("NWP", True, True),
        ("NWD", True, True),
    ]
    assert "filesystem_type" not in details["sap_systems"][0]
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


def test_filesystems_are_resource_based_only_with_two_filesystem_resources(envelope):
    simple = registered(envelope("web/ha_cluster_discovery_ascs_ers_simple_mount.json"))["details"]["sap_systems"][0]
    assert simple["filesystem_resource_based"] is False
    mixed = registered(envelope("web/ha_cluster_discovery_ascs_ers_unmounted.json"))["details"]["sap_systems"][0]
    assert mixed["filesystem_resource_based"] is False


def test_an_invalid_ascs_ers_layout_is_an_unknown_cluster_without_details(envelope):
    payload = registered(envelope("web/ha_cluster_discovery_ascs_ers_invalid.json"))
    assert (payload["type"], payload["details"]) == ("unknown", None)


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
    assert unnamed.payload["name"] is None


def test_a_cluster_without_id_is_rejected(envelope):
    cluster = envelope("web/ha_cluster_discovery_hana_scale_up.json")
    del cluster["payload"]["Id"]
    with pytest.raises(InvalidDiscovery) as rejected:
        run(cluster)
    assert rejected.value.errors[0].path == "/payload/Id"


def test_sap_instance_groups_of_a_hana_database_do_not_make_an_ascs_ers_pair(envelope):
    cluster = envelope("web/ha_cluster_discovery_ascs_ers.json")
    for group in cluster["payload"]["Crmmon"]["Groups"]:
        for resource in group["Resources"]:
            if resource["Agent"] == "ocf::heartbeat:SAPInstance":
                resource["Id"] = resource["Id"].replace("NWP", "HDB")
    assert registered(cluster)["type"] == "unknown"
