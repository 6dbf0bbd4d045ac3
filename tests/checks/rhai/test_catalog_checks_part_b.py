"""More real catalog checks (part B) evaluated against small hand-written facts: for every
expectation, facts that make it pass and facts that make it fail. Shares the case model and
fact builders of ``test_catalog_checks``."""

from typing import Any

import pytest

from tests.checks.rhai.test_catalog_checks import (
    Case,
    ascs_ers_sids,
    assert_case,
    assert_same,
    hana_resources,
    nvpairs,
    profiles,
)

# -- fact builders ---------------------------------------------------------------------------------


def corosync_nodes(n: int, rings: int = 2) -> list[dict[str, Any]]:
    """``corosync.conf@v1`` ``nodelist.node``."""
    return [{"nodeid": i, **{f"ring{r}_addr": f"10.0.{r}.{i}" for r in range(rings)}} for i in range(1, n + 1)]


def cib_node_list(n: int) -> list[dict[str, Any]]:
    """``cibadmin@v1`` ``cib.configuration.nodes.node``."""
    return [{"id": str(i), "uname": f"node{i}"} for i in range(1, n + 1)]


def sapcontrol(sid: str, output: Any, instances: tuple[str, ...] = ("ASCS00", "ERS10")) -> dict[str, Any]:
    """``sapcontrol@v1``: per SID, one entry per local instance with the web method's output."""
    return {sid: [{"name": name, "instance_nr": name[-2:], "output": output} for name in instances]}


def instance_list(*names: str) -> dict[str, Any]:
    """``sapcontrol@v1`` ``GetSystemInstanceList``."""
    return {
        "NWP": [
            {
                "name": name,
                "instance_nr": name[-2:],
                "output": [{"hostname": "sapnwpas", "instanceNr": int(name[-2:]), "dispstatus": "SAPControl-GREEN"}],
            }
            for name in names
        ]
    }


HA_CHECK = {"state": "SAPControl-HA-SUCCESS", "category": "SAP-CONFIGURATION", "description": "", "comment": ""}
HA_CHECK_WARNING = {**HA_CHECK, "state": "SAPControl-HA-WARNING"}


def failover_config(*nodes: str) -> dict[str, Any]:
    return {
        "ha_active": True,
        "ha_product_version": "SUSE Linux Enterprise Server for SAP Applications 15 SP4",
        "ha_sap_interface": "sap_suse_cluster_connector",
        "ha_documentation": "https://www.suse.com/products/sles-for-sap/resource-library/sap-best-practices/",
        "ha_active_nodes": list(nodes),
        "ha_nodes": list(nodes),
    }


HANA_OPS = {
    "start": {"name": "start", "interval": 0, "timeout": 3600},
    "stop": {"name": "stop", "interval": 0, "timeout": 3600},
    "promote": {"name": "promote", "interval": 0, "timeout": 3600},
    "monitor_master": {"name": "monitor", "interval": 60, "role": "Master", "timeout": 700},
    "monitor_slave": {"name": "monitor", "interval": 61, "role": "Slave", "timeout": 700},
}


def hana_master(
    provider: str = "suse", meta: dict[str, Any] | None = None, **op_changes: dict[str, Any] | None
) -> dict[str, Any]:
    """``cibadmin@v1`` ``cib.configuration.resources`` of a classic scale-up HANA cluster: a
    SAPHanaTopology clone and a SAPHana multi-state (master) resource. ``op_changes`` updates
    (or, given None, drops) the SAPHana operations of ``HANA_OPS``."""
    ops = []
    for key, op in HANA_OPS.items():
        change = op_changes.get(key, {})
        if change is not None:
            ops.append({"id": f"rsc_SAPHana_PRD_HDB00-{key}", **op, **change})
    meta_pairs = {"clone_max": 2, "clone_node_max": 1, "interleave": True, "notify": True}
    meta_pairs.update(meta or {})
    return {
        "clone": [
            {
                "id": "cln_SAPHanaTopology_PRD_HDB00",
                "primitive": [{"id": "rsc_SAPHanaTopology_PRD_HDB00", "type": "SAPHanaTopology", "provider": "suse"}],
            }
        ],
        "master": [
            {
                "id": "msl_SAPHana_PRD_HDB00",
                "meta_attributes": [{"id": "msl_SAPHana_PRD_HDB00-meta_attributes", "nvpair": nvpairs(**meta_pairs)}],
                "primitive": [
                    {
                        "id": "rsc_SAPHana_PRD_HDB00",
                        "class": "ocf",
                        "type": "SAPHana",
                        "provider": provider,
                        "instance_attributes": {"nvpair": nvpairs(SID="PRD", InstanceNumber="00")},
                        "operations": {"op": ops},
                    }
                ],
            }
        ],
    }


def hana_angi(
    controller_roles: tuple[str, str] = ("Promoted", "Unpromoted"),
    topology_interval: int = 50,
    promotable: bool = True,
    filesystem: bool = True,
    controller: bool = True,
) -> dict[str, Any]:
    """``cibadmin@v1`` ``cib.configuration.resources`` of an angi HANA cluster: clones of
    SAPHanaTopology, SAPHanaFilesystem and the promotable SAPHanaController."""
    clones = [
        {
            "id": "cln_SAPHanaTopology_PRD_HDB00",
            "meta_attributes": [
                {"id": "cln_SAPHanaTopology-meta", "nvpair": nvpairs(clone_node_max=1, interleave=True)}
            ],
            "primitive": [
                {
                    "id": "rsc_SAPHanaTopology_PRD_HDB00",
                    "type": "SAPHanaTopology",
                    "provider": "suse",
                    "operations": {"op": [{"name": "monitor", "interval": topology_interval, "timeout": 600}]},
                }
            ],
        }
    ]
    if filesystem:
        clones.append(
            {
                "id": "cln_SAPHanaFil_PRD_HDB00",
                "primitive": [{"id": "rsc_SAPHanaFil_PRD_HDB00", "type": "SAPHanaFilesystem", "provider": "suse"}],
            }
        )
    if controller:
        promoted, unpromoted = controller_roles
        clones.append(
            {
                "id": "mst_SAPHanaCon_PRD_HDB00",
                "meta_attributes": [
                    {
                        "id": "mst_SAPHanaCon-meta",
                        "nvpair": nvpairs(clone_max=2, promotable=promotable, interleave=True),
                    }
                ],
                "primitive": [
                    {
                        "id": "rsc_SAPHanaCon_PRD_HDB00",
                        "type": "SAPHanaController",
                        "provider": "suse",
                        "operations": {
                            "op": [
                                {"name": "start", "interval": 0, "timeout": 3600},
                                {"name": "monitor", "interval": 60, "role": promoted, "timeout": 700},
                                {"name": "monitor", "interval": 61, "role": unpromoted, "timeout": 700},
                            ]
                        },
                    }
                ],
            }
        )
    return {"clone": clones}


def sap_group(group_id: str, types: list[str], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``cibadmin@v1`` resource group with primitives of ``types`` (in order); the SAPInstance
    primitive carries ``meta`` as meta attributes."""
    primitives = []
    for n, kind in enumerate(types):
        prim: dict[str, Any] = {"id": f"{group_id}_{n}_{kind}", "class": "ocf", "type": kind}
        if kind == "SAPInstance" and meta is not None:
            prim["meta_attributes"] = [{"id": f"{group_id}_{n}-meta_attributes", "nvpair": nvpairs(**meta)}]
        primitives.append(prim)
    return {"id": group_id, "primitive": primitives}


def ascs_ers_cib(
    ascs_meta: dict[str, Any] | None = None,
    ers_meta: dict[str, Any] | None = None,
    ascs_types: tuple[str, ...] = ("IPaddr2", "Filesystem", "SAPInstance"),
    nodes: int = 2,
    **extra: Any,
) -> dict[str, Any]:
    """``cibadmin@v1`` ``cib.configuration`` of an ASCS/ERS cluster (SID NWP, groups of
    ``ascs_ers_sids``)."""
    return {
        "nodes": {"node": cib_node_list(nodes)},
        "resources": {
            "group": [
                sap_group("grp_NWP_ASCS00", list(ascs_types), ascs_meta),
                sap_group("grp_NWP_ERS10", ["IPaddr2", "Filesystem", "SAPInstance"], ers_meta),
            ]
        },
        **extra,
    }


def ers_profiles(start: str, restart: str) -> dict[str, Any]:
    content = {"INSTANCE_NAME": "ERS10", start: "local $(_ENQR)", "SAPSYSTEMNAME": "NWP"}
    if restart:
        content[restart] = "local $(_ENQR)"
    return {"NWP": {"profiles": [{"name": "NWP_ERS10_sapnwper", "content": content}]}}


def location(loc_id: str, rsc: str, attribute: str | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {"id": loc_id, "rsc": rsc}
    if attribute:
        loc["rule"] = {
            "id": f"{loc_id}-rule",
            "score": 2000,
            "expression": {"id": f"{loc_id}-expr", "attribute": attribute, "operation": "eq", "value": 1},
        }
    else:
        loc.update({"role": "Started", "node": "node1", "score": "-INFINITY"})
    return loc


CASES = [
    # -- corosync ---------------------------------------------------------------------------------
    Case(
        "A1244C",
        "consensus_timeout",
        env={"provider": "azure"},
        outcomes={True: {"corosync_consensus_timeout": 36000}, False: {"corosync_consensus_timeout": 6000}},
    ),
    Case(
        "A1244C",
        "consensus_timeout",
        env={"provider": "gcp"},
        outcomes={True: {"corosync_consensus_timeout": 24000}, False: {"corosync_consensus_timeout": 36000}},
    ),
    Case(
        "FB0E0D",
        "expectations_consensus_timeout",
        env={"provider": "aws"},
        outcomes={True: {"consensus_timeout": 36000}, False: {"consensus_timeout": 6000}},
    ),
    Case(
        "FB0E0D",
        "expectations_consensus_timeout",
        env={"provider": "kvm"},
        outcomes={True: {"consensus_timeout": 6000}, False: {"consensus_timeout": 24000}},
    ),
    Case(
        "C620DC",
        "num_nodes_equal_in_corosync_and_cib",
        outcomes={
            True: {
                "corosync_expected_votes": 2,
                "corosync_num_nodes": corosync_nodes(2),
                "cib_num_nodes": cib_node_list(2),
            },
            False: {
                "corosync_expected_votes": 2,
                "corosync_num_nodes": corosync_nodes(2),
                "cib_num_nodes": cib_node_list(3),
            },
        },
    ),
    Case(
        "C620DC",
        "expected_votes",
        outcomes={
            True: {
                "corosync_expected_votes": 2,
                "corosync_num_nodes": corosync_nodes(2),
                "cib_num_nodes": cib_node_list(2),
            },
            False: {
                "corosync_expected_votes": 3,
                "corosync_num_nodes": corosync_nodes(2),
                "cib_num_nodes": cib_node_list(2),
            },
        },
    ),
    Case(
        "D78671",
        "num_nodes_equal_in_corosync_and_cib",
        outcomes={
            True: {"runtime_two_node": 1, "corosync_num_nodes": corosync_nodes(2), "cib_num_nodes": cib_node_list(2)},
            False: {"runtime_two_node": 1, "corosync_num_nodes": corosync_nodes(3), "cib_num_nodes": cib_node_list(2)},
        },
    ),
    Case(
        "D78671",
        "expectations_two_node",
        outcomes={
            True: {"runtime_two_node": 1, "corosync_num_nodes": corosync_nodes(2), "cib_num_nodes": cib_node_list(2)},
            False: {"runtime_two_node": 0, "corosync_num_nodes": corosync_nodes(2), "cib_num_nodes": cib_node_list(2)},
        },
    ),
    Case(
        "D78671",
        "expectations_two_node",
        outcomes={
            True: {"runtime_two_node": 0, "corosync_num_nodes": corosync_nodes(3), "cib_num_nodes": cib_node_list(3)},
            False: {"runtime_two_node": 1, "corosync_num_nodes": corosync_nodes(3), "cib_num_nodes": cib_node_list(3)},
        },
    ),
    Case(
        "D78671",
        "expectations_two_node",
        outcomes={
            False: {"runtime_two_node": 1, "corosync_num_nodes": corosync_nodes(1), "cib_num_nodes": cib_node_list(1)},
        },
    ),
    Case(
        "DA114A",
        "has_some_nodes_configured",
        outcomes={True: {"corosync_nodes": corosync_nodes(2)}, False: {"corosync_nodes": []}},
    ),
    Case(
        "DA114A",
        "expected_number_of_rings_per_node",
        outcomes={True: {"corosync_nodes": corosync_nodes(2)}, False: {"corosync_nodes": corosync_nodes(2, rings=1)}},
    ),
    Case(
        "DA114A",
        "expected_number_of_rings_per_node",
        env={"provider": "azure"},
        outcomes={
            True: {"corosync_nodes": corosync_nodes(2, rings=1)},
            False: {"corosync_nodes": corosync_nodes(2, rings=0)},
        },
    ),
    # -- package versions (package_version@v1 with a version argument: -1, 0 or 1) ----------------
    Case(
        "DC5429",
        "expectations_corosync_version",
        outcomes={True: {"compare_corosync_version": 0}, False: {"compare_corosync_version": 1}},
    ),
    Case("DC5429", "expectations_corosync_version", outcomes={True: {"compare_corosync_version": -1}}),
    Case(
        "F50AF5",
        "expectations_python3_version",
        outcomes={True: {"compare_python3_version": -1}, False: {"compare_python3_version": 1}},
    ),
    Case(
        "D028B9",
        "expectations_sles_sap_version",
        outcomes={True: {"compare_sles_sap_version": 0}, False: {"compare_sles_sap_version": 1}},
    ),
    Case(
        "C74B02",
        "expectations_resource_agents_version",
        outcomes={True: {"compare_resource_agents": -1}, False: {"compare_resource_agents": 1}},
    ),
    Case(
        "C3166E",
        "expectations_sbd_version_to_exclude",
        outcomes={True: {"exclude_package_sbd": -1}, False: {"exclude_package_sbd": 0}},
    ),
    Case("C3166E", "expectations_sbd_version_to_exclude", outcomes={True: {"exclude_package_sbd": 1}}),
    # -- sbd --------------------------------------------------------------------------------------
    Case(
        "B089BE",
        "expectations_watchdog_timeout",
        env={"provider": "azure"},
        outcomes={
            True: {"dump_sbd_devices": {"/dev/sda": {"timeout_watchdog": 60, "timeout_msgwait": 120}}},
            False: {
                "dump_sbd_devices": {
                    "/dev/sda": {"timeout_watchdog": 60, "timeout_msgwait": 120},
                    "/dev/sdb": {"timeout_watchdog": 15, "timeout_msgwait": 30},
                }
            },
        },
    ),
    Case(
        "B089BE",
        "expectations_watchdog_timeout",
        env={"provider": "kvm"},
        outcomes={
            True: {"dump_sbd_devices": {"/dev/sda": {"timeout_watchdog": 15, "timeout_msgwait": 30}}},
            False: {"dump_sbd_devices": {"/dev/sda": {"timeout_watchdog": 60, "timeout_msgwait": 120}}},
        },
    ),
    # -- host / SAP tooling -----------------------------------------------------------------------
    Case(
        "ABA3CA",
        "expectations_saphostctrl_ping",
        outcomes={
            True: {"saphostctrl_ping": {"status": "SUCCESS", "elapsed": 0.009}},
            False: {"saphostctrl_ping": {"status": "FAILED", "elapsed": 0.0}},
        },
    ),
    Case(
        "BE3C0E",
        "sapsys_exists",
        outcomes={
            True: {
                "groups": [
                    {"name": "root", "gid": 0, "users": []},
                    {"name": "sapsys", "gid": 1002, "users": ["nwpadm"]},
                ]
            },
            False: {"groups": [{"name": "root", "gid": 0, "users": []}, {"name": "sapinst", "gid": 1001, "users": []}]},
        },
    ),
    Case(
        "BE3C0E",
        "sapinst_exists",
        outcomes={
            True: {
                "groups": [
                    {"name": "sapsys", "gid": 1002, "users": []},
                    {"name": "sapinst", "gid": 1001, "users": ["nwpadm"]},
                ]
            },
            False: {"groups": [{"name": "sapsys", "gid": 1002, "users": ["nwpadm"]}]},
        },
    ),
    Case(
        "FB95CD",
        "expectations_sapinit_active",
        outcomes={
            True: {"service_sapinit": {"active_state": "active", "unit_file_state": "generated"}},
            False: {"service_sapinit": {"active_state": "inactive", "unit_file_state": "generated"}},
        },
    ),
    Case(
        "FB95CD",
        "expectations_sapinit_generated",
        outcomes={
            True: {"service_sapinit": {"active_state": "active", "unit_file_state": "generated"}},
            False: {"service_sapinit": {"active_state": "active", "unit_file_state": "enabled"}},
        },
    ),
    Case(
        "A8196A",
        "ha_check_config_success",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids(), "ha_check_config": sapcontrol("NWP", [HA_CHECK, HA_CHECK])},
            False: {
                "cluster_sids": ascs_ers_sids(),
                "ha_check_config": sapcontrol("NWP", [HA_CHECK, HA_CHECK_WARNING]),
            },
        },
    ),
    Case(
        "A8196A",
        "ha_check_config_success",
        outcomes={False: {"cluster_sids": ascs_ers_sids(), "ha_check_config": sapcontrol("PRD", [HA_CHECK])}},
    ),
    Case(
        "DFDB82",
        "ha_nodes_count",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "ha_get_failover_config": sapcontrol("NWP", failover_config("node1", "node2")),
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "ha_get_failover_config": sapcontrol("NWP", failover_config("node1")),
            },
        },
    ),
    Case(
        "DFDB82",
        "ha_nodes_count",
        outcomes={False: {"cluster_sids": ascs_ers_sids(), "ha_get_failover_config": {}}},
    ),
    Case(
        "AC9724",
        "sapservices_all_cluster_instances",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "sapservices": [
                    {
                        "kind": "systemctl",
                        "sid": "NWP",
                        "instance_nr": "00",
                        "content": "systemctl --no-ask-password start SAPNWP_00",
                    },
                    {
                        "kind": "systemctl",
                        "sid": "NWP",
                        "instance_nr": "10",
                        "content": "systemctl --no-ask-password start SAPNWP_10",
                    },
                ],
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "sapservices": [
                    {
                        "kind": "systemctl",
                        "sid": "NWP",
                        "instance_nr": "00",
                        "content": "systemctl --no-ask-password start SAPNWP_00",
                    },
                    {
                        "kind": "systemctl",
                        "sid": "PRD",
                        "instance_nr": "10",
                        "content": "systemctl --no-ask-password start SAPPRD_10",
                    },
                ],
            },
        },
    ),
    Case(
        "AF7D5C",
        "instance_count",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids(), "system_instance_list": instance_list("ASCS00", "ERS10")},
            False: {"cluster_sids": ascs_ers_sids(), "system_instance_list": instance_list("ASCS00")},
        },
    ),
    Case(
        "AF7D5C",
        "instance_count",
        outcomes={False: {"cluster_sids": ascs_ers_sids(), "system_instance_list": {}}},
    ),
    # -- HANA classic (SAPHana multi-state) -------------------------------------------------------
    Case(
        "AE0C5F",
        "expectations_SAPHana_configured",
        outcomes={True: {"resources": hana_master()}, False: {"resources": hana_master(provider="heartbeat")}},
    ),
    Case(
        "AE0C60",
        "expectations_monitor_interval_configured",
        outcomes={
            True: {"resources": hana_master()},
            False: {"resources": hana_master(monitor_master={"interval": 120})},
        },
    ),
    Case(
        "AE0C60",
        "expectations_monitor_interval_configured",
        outcomes={False: {"resources": hana_master(monitor_master=None)}},
    ),
    Case(
        "AE0C61",
        "expectations_monitor_interval_configured",
        outcomes={
            True: {"resources": hana_master()},
            False: {"resources": hana_master(monitor_slave={"interval": 60})},
        },
    ),
    Case(
        "AE0C61",
        "expectations_monitor_interval_configured",
        outcomes={False: {"resources": hana_master(monitor_slave=None)}},
    ),
    Case(
        "AE0C62",
        "expectations_monitor_timeout_configured",
        outcomes={
            True: {"resources": hana_master()},
            False: {"resources": hana_master(monitor_master={"timeout": 600})},
        },
    ),
    Case(
        "AE0C63",
        "expectations_monitor_timeout_configured",
        outcomes={
            True: {"resources": hana_master()},
            False: {"resources": hana_master(monitor_slave={"timeout": 600})},
        },
    ),
    Case(
        "AE0C64",
        "expectations_start_timeout_configured",
        outcomes={True: {"resources": hana_master()}, False: {"resources": hana_master(start={"timeout": 600})}},
    ),
    Case(
        "AE0C64",
        "expectations_start_timeout_configured",
        outcomes={False: {"resources": hana_master(start=None)}},
    ),
    Case(
        "AE0C65",
        "expectations_stop_timeout_configured",
        outcomes={True: {"resources": hana_master()}, False: {"resources": hana_master(stop={"timeout": 600})}},
    ),
    Case(
        "AE0C67",
        "expectations_promote_timeout_configured",
        outcomes={True: {"resources": hana_master()}, False: {"resources": hana_master(promote={"timeout": 900})}},
    ),
    Case(
        "AE0C6A",
        "expectations_clone_node_max",
        outcomes={True: {"resources": hana_master()}, False: {"resources": hana_master(meta={"clone_node_max": 2})}},
    ),
    Case(
        "AE0C6B",
        "expectations_interleave",
        outcomes={True: {"resources": hana_master()}, False: {"resources": hana_master(meta={"interleave": False})}},
    ),
    Case(
        "AE0C68",
        "expectations_default_primary",
        outcomes={
            True: {"resources": hana_resources("DUPLICATE_PRIMARY_TIMEOUT", 7200)},
            False: {"resources": hana_resources("DUPLICATE_PRIMARY_TIMEOUT", 3600)},
        },
    ),
    Case(
        "AE0C68",
        "expectations_default_primary",
        outcomes={
            # attribute not set: the default applies
            True: {"resources": hana_resources("AUTOMATED_REGISTER", False, kind="clone")},
            False: {"resources": {"group": [{"id": "grp_PRD", "primitive": []}]}},
        },
    ),
    Case(
        "AE0C69",
        "expectations_prefer_site_takeover",
        env={"hana_scenario": "performance_optimized"},
        outcomes={
            True: {"resources": hana_resources("PREFER_SITE_TAKEOVER", True)},
            False: {"resources": hana_resources("PREFER_SITE_TAKEOVER", False)},
        },
    ),
    Case(
        "AE0C69",
        "expectations_prefer_site_takeover",
        env={"hana_scenario": "cost_optimized"},
        outcomes={
            True: {"resources": hana_resources("PREFER_SITE_TAKEOVER", False, kind="clone")},
            False: {"resources": hana_resources("PREFER_SITE_TAKEOVER", True, kind="clone")},
        },
    ),
    # -- HANA angi (SAPHanaController clones) -----------------------------------------------------
    Case(
        "E1F2C3",
        "expectations_controller_roles",
        outcomes={
            True: {"controller_roles": hana_angi()},
            False: {"controller_roles": hana_angi(controller_roles=("Unpromoted", "Promoted"))},
        },
    ),
    Case(
        "E215A6",
        "expectations_resource_filesystem",
        outcomes={
            True: {"resource_filesystem": hana_angi()},
            False: {"resource_filesystem": hana_angi(filesystem=False)},
        },
    ),
    Case(
        "E4D1B4",
        "expectations_topology_monitor_interval",
        outcomes={
            True: {"topology_monitor": hana_angi()},
            False: {"topology_monitor": hana_angi(topology_interval=10)},
        },
    ),
    Case(
        "EA12BC",
        "expectations_controller_configured",
        outcomes={True: {"resources": hana_angi()}, False: {"resources": hana_angi(controller=False)}},
    ),
    Case(
        "EB24D1",
        "expectations_controller_is_clone",
        outcomes={True: {"resources": hana_angi()}, False: {"resources": hana_angi(promotable=False)}},
    ),
    # -- ASCS/ERS --------------------------------------------------------------------------------
    Case(
        "AFDA1E",
        "resource_failure_timeout",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids("ensa2"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"resource_stickiness": 5000}),
            },
            False: {
                "cluster_sids": ascs_ers_sids("ensa2"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"resource_stickiness": 5000, "failure_timeout": 60}),
            },
        },
    ),
    Case(
        "AFDA1E",
        "resource_failure_timeout",
        outcomes={
            # ENSA1 systems are skipped
            True: {
                "cluster_sids": ascs_ers_sids("ensa1"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"failure_timeout": 60}),
            },
            # ASCS SAPInstance without meta attributes
            False: {"cluster_sids": ascs_ers_sids("ensa2"), "cib_configuration": ascs_ers_cib()},
        },
    ),
    Case(
        "AFDA1E",
        "resource_migration_threshold",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids("ensa2"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"resource_stickiness": 5000}),
            },
            False: {
                "cluster_sids": ascs_ers_sids("ensa2"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"resource_stickiness": 5000, "migration_threshold": 1}),
            },
        },
    ),
    Case(
        "F98557",
        "resource_failure_timeout",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids("ensa1"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"failure_timeout": 60, "migration_threshold": 1}),
            },
            False: {
                "cluster_sids": ascs_ers_sids("ensa1"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"failure_timeout": 120, "migration_threshold": 1}),
            },
        },
    ),
    Case(
        "F98557",
        "resource_failure_timeout",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids("ensa2"), "cib_configuration": ascs_ers_cib()},
            False: {"cluster_sids": ascs_ers_sids("ensa1"), "cib_configuration": ascs_ers_cib()},
        },
    ),
    Case(
        "F98557",
        "resource_migration_threshold",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids("ensa1"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"failure_timeout": 60, "migration_threshold": 1}),
            },
            False: {
                "cluster_sids": ascs_ers_sids("ensa1"),
                "cib_configuration": ascs_ers_cib(ascs_meta={"failure_timeout": 60, "migration_threshold": 3}),
            },
        },
    ),
    Case(
        "C15B2C",
        "resource_priority",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids(), "cib_configuration": ascs_ers_cib(ascs_meta={"priority": 10})},
            False: {"cluster_sids": ascs_ers_sids(), "cib_configuration": ascs_ers_cib(ascs_meta={"priority": 1000})},
        },
    ),
    Case(
        "C15B2C",
        "resource_priority",
        outcomes={
            # only 2-node clusters are checked
            True: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": ascs_ers_cib(ascs_meta={"priority": 1}, nodes=3),
            },
            False: {"cluster_sids": ascs_ers_sids(), "cib_configuration": ascs_ers_cib()},
        },
    ),
    Case(
        "F306C2",
        "resource_priority",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids(), "cib_configuration": ascs_ers_cib(ers_meta={"priority": 1000})},
            False: {"cluster_sids": ascs_ers_sids(), "cib_configuration": ascs_ers_cib(ers_meta={"priority": 10})},
        },
    ),
    Case(
        "CCEF3B",
        "check_group_order",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids(filesystem_based=True), "cib_configuration": ascs_ers_cib()},
            False: {
                "cluster_sids": ascs_ers_sids(filesystem_based=True),
                "cib_configuration": ascs_ers_cib(ascs_types=("Filesystem", "IPaddr2", "SAPInstance")),
            },
        },
    ),
    Case(
        "CCEF3B",
        "check_group_order",
        env={"provider": "azure"},
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(filesystem_based=True),
                "cib_configuration": ascs_ers_cib(ascs_types=("Filesystem", "azure-lb", "IPaddr2", "SAPInstance")),
            },
            False: {"cluster_sids": ascs_ers_sids(filesystem_based=True), "cib_configuration": ascs_ers_cib()},
        },
    ),
    Case(
        "CCEF3B",
        "check_group_order",
        outcomes={
            # simple-mount instances are skipped
            True: {
                "cluster_sids": ascs_ers_sids(filesystem_based=False),
                "cib_configuration": ascs_ers_cib(ascs_types=("IPaddr2", "SAPStartSrv", "SAPInstance")),
            },
        },
    ),
    Case(
        "DAD58C",
        "check_group_order",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": ascs_ers_cib(ascs_types=("IPaddr2", "SAPStartSrv", "SAPInstance")),
            },
            False: {"cluster_sids": ascs_ers_sids(), "cib_configuration": ascs_ers_cib()},
        },
    ),
    Case(
        "DAD58C",
        "check_group_order",
        env={"provider": "gcp"},
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": ascs_ers_cib(ascs_types=("anything", "IPaddr2", "SAPStartSrv", "SAPInstance")),
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": ascs_ers_cib(ascs_types=("IPaddr2", "SAPStartSrv", "SAPInstance")),
            },
        },
    ),
    Case(
        "EE4EF9",
        "ms_startmode_is_restart",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids(), "sap_profiles": profiles("Restart_Program_00", "")},
            False: {
                "cluster_sids": ascs_ers_sids(),
                "sap_profiles": profiles("Start_Program_00", "Restart_Program_01"),
            },
        },
    ),
    Case(
        "F6CFDB",
        "enq_startmode_is_start",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids("ensa1"), "sap_profiles": profiles("Start_Program_01", "")},
            False: {
                "cluster_sids": ascs_ers_sids("ensa1"),
                "sap_profiles": profiles("Start_Program_01", "Restart_Program_01"),
            },
        },
    ),
    Case(
        "F6CFDB",
        "enq_startmode_is_start",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids("ensa2"), "sap_profiles": profiles("Restart_Program_01", "")},
            False: {"cluster_sids": ascs_ers_sids("ensa1"), "sap_profiles": profiles("Restart_Program_01", "")},
        },
    ),
    Case(
        "C835E0",
        "enqr_startmode_is_start",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids("ensa1"), "sap_profiles": ers_profiles("Start_Program_00", "")},
            False: {"cluster_sids": ascs_ers_sids("ensa1"), "sap_profiles": ers_profiles("Restart_Program_00", "")},
        },
    ),
    Case(
        "F55857",
        "enqr_startmode_is_start",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids("ensa2"), "sap_profiles": ers_profiles("Start_Program_00", "")},
            False: {
                "cluster_sids": ascs_ers_sids("ensa2"),
                "sap_profiles": ers_profiles("Start_Program_00", "Restart_Program_00"),
            },
        },
    ),
    Case(
        "F55857",
        "enqr_startmode_is_start",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids("ensa1"), "sap_profiles": ers_profiles("Restart_Program_00", "")}
        },
    ),
    Case(
        "F0337F",
        "location_ascs_ers_absent",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids("ensa2"),
                "cib_configuration": ascs_ers_cib(
                    constraints={
                        "rsc_location": [location("loc_sap_NWP_failover_to_ers", "rsc_sap_NWP_ASCS00", "runs_ers_PRD")]
                    }
                ),
            },
            False: {
                "cluster_sids": ascs_ers_sids("ensa2"),
                "cib_configuration": ascs_ers_cib(
                    constraints={
                        "rsc_location": [location("loc_sap_NWP_failover_to_ers", "rsc_sap_NWP_ASCS00", "runs_ers_NWP")]
                    }
                ),
            },
        },
    ),
    Case(
        "F0337F",
        "location_ascs_ers_absent",
        outcomes={True: {"cluster_sids": ascs_ers_sids("ensa2"), "cib_configuration": ascs_ers_cib(constraints={})}},
    ),
    Case(
        "F0337F",
        "location_ascs_ers_absent",
        outcomes={True: {"cluster_sids": ascs_ers_sids("ensa2"), "cib_configuration": ascs_ers_cib()}},
    ),
    Case(
        "FA37C7",
        "no_ban_constraints",
        outcomes={
            True: {
                "cib_configuration": ascs_ers_cib(
                    constraints={
                        "rsc_location": [location("loc_sap_NWP_failover_to_ers", "rsc_sap_NWP_ASCS00", "runs_ers_NWP")]
                    }
                )
            },
            False: {
                "cib_configuration": ascs_ers_cib(
                    constraints={"rsc_location": [location("cli-ban-grp_NWP_ASCS00-on-node1", "grp_NWP_ASCS00")]}
                )
            },
        },
    ),
    Case(
        "FA37C7",
        "no_ban_constraints",
        outcomes={
            True: {"cib_configuration": ascs_ers_cib()},
            False: {
                "cib_configuration": ascs_ers_cib(
                    constraints={"rsc_location": [location("cli-prefer-grp_NWP_ERS10", "grp_NWP_ERS10")]}
                )
            },
        },
    ),
    Case("FA37C7", "no_ban_constraints", outcomes={True: {"cib_configuration": ascs_ers_cib(constraints={})}}),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_catalog_check_part_b(catalog: dict[str, dict[str, Any]], case: Case) -> None:
    assert_case(catalog, case)


COROSYNC_CONF = {
    "totem": {"version": 2, "token": 30000, "consensus": 36000, "interface": [{"ringnumber": 0, "mcastport": 5405}]},
    "quorum": {"provider": "corosync_votequorum", "expected_votes": 2, "two_node": 1},
    "nodelist": {"node": corosync_nodes(2)},
}

# expect_same: facts of several agents, and whether the results are all equal
SAME_CASES = [
    (
        "DF8328",
        "corosync_version_identical",
        [
            {"installed_corosync_version": [{"version": "2.4.6"}]},
            {"installed_corosync_version": [{"version": "2.4.6"}]},
        ],
        True,
    ),
    (
        "DF8328",
        "corosync_version_identical",
        [
            {"installed_corosync_version": [{"version": "2.4.6"}]},
            {"installed_corosync_version": [{"version": "2.4.5"}]},
        ],
        False,
    ),
    (
        "BC9DF9",
        "python3_version_identical",
        [
            {"installed_python3_version": [{"version": "3.6.15"}]},
            {"installed_python3_version": [{"version": "3.6.15"}]},
        ],
        True,
    ),
    (
        "BC9DF9",
        "python3_version_identical",
        [
            {"installed_python3_version": [{"version": "3.6.15"}]},
            {"installed_python3_version": [{"version": "3.6.13"}]},
        ],
        False,
    ),
    (
        "BA215C",
        "corosync_conf_file_identical",
        [
            {"corosync_conf_file_content": COROSYNC_CONF},
            {"corosync_conf_file_content": COROSYNC_CONF},
        ],
        True,
    ),
    (
        "BA215C",
        "corosync_conf_file_identical",
        [
            {"corosync_conf_file_content": COROSYNC_CONF},
            {"corosync_conf_file_content": {**COROSYNC_CONF, "totem": {**COROSYNC_CONF["totem"], "token": 5000}}},
        ],
        False,
    ),
]


@pytest.mark.parametrize(("check_id", "name", "agents", "same"), SAME_CASES)
def test_catalog_expect_same_part_b(
    catalog: dict[str, dict[str, Any]], check_id: str, name: str, agents: list[dict[str, Any]], same: bool
) -> None:
    assert_same(catalog, check_id, name, agents, same)
