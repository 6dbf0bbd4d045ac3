"""Real catalog checks evaluated against small hand-written facts: one set that makes each
expectation pass and one (or more) that makes it fail. Values come from the check itself,
resolved with its ``when`` conditions against ``env`` as the checks engine does."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from apps.checks.rhai import RhaiError, compile_script


@dataclass
class Case:
    check: str
    expectation: str
    #: expected result -> facts giving it (``expect``: True/False; ``expect_enum``: the enum)
    outcomes: dict[Any, dict[str, Any]]
    env: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.check}-{self.expectation}"


def resolve_values(check: dict[str, Any], env: dict[str, Any]) -> dict[str, Any]:
    resolved = {}
    for value in check.get("values") or []:
        chosen = value["default"]
        for cond in value.get("conditions") or []:
            try:
                matched = compile_script(cond["when"]).evaluate({"env": env}) is True
            except RhaiError:
                matched = False
            if matched:
                chosen = cond["value"]
                break
        resolved[value["name"]] = chosen
    return resolved


def expectation(check: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in check["expectations"] if e["name"] == name)


def source_of(exp: dict[str, Any]) -> str:
    return exp.get("expect") or exp.get("expect_same") or exp["expect_enum"]


# -- fact builders ---------------------------------------------------------------------------------


def nvpairs(**pairs: Any) -> list[dict[str, Any]]:
    return [{"id": f"nv-{k}", "name": k.replace("_", "-"), "value": v} for k, v in pairs.items()]


def cib_nodes(n: int) -> dict[str, Any]:
    return {"node": [{"id": str(i), "uname": f"node{i}"} for i in range(1, n + 1)]}


def ascs_ers_sids(ensa: str = "ensa1", filesystem_based: bool = False) -> dict[str, Any]:
    return {
        "NWP": {
            "ensa_version": ensa,
            "instances": [
                {
                    "name": "ASCS00",
                    "instance_number": "00",
                    "resource_instance": "rsc_sap_NWP_ASCS00",
                    "resource_group": "grp_NWP_ASCS00",
                    "virtual_hostname": "sapnwpas",
                    "filesystem_based": filesystem_based,
                    "local": True,
                },
                {
                    "name": "ERS10",
                    "instance_number": "10",
                    "resource_instance": "rsc_sap_NWP_ERS10",
                    "resource_group": "grp_NWP_ERS10",
                    "virtual_hostname": "sapnwper",
                    "filesystem_based": filesystem_based,
                    "local": True,
                },
            ],
        }
    }


def hana_resources(nvpair_name: str, value: Any, kind: str = "master") -> dict[str, Any]:
    return {
        kind: [
            {
                "id": "msl_SAPHana_PRD_HDB00",
                "primitive": [
                    {
                        "id": "rsc_SAPHana_PRD_HDB00",
                        "type": "SAPHana",
                        "provider": "suse",
                        "instance_attributes": {"nvpair": [{"id": "nv1", "name": nvpair_name, "value": value}]},
                    }
                ],
            }
        ]
    }


def order(first_action: str = "start") -> dict[str, Any]:
    return {
        "id": "ord_ascs_ers",
        "first": "rsc_sap_NWP_ASCS00",
        "first-action": first_action,
        "then": "rsc_sap_NWP_ERS10",
        "then-action": "stop",
        "kind": "Optional",
        "symmetrical": False,
    }


def azure_fence(monitor_interval: int = 3600, **attrs: Any) -> dict[str, Any]:
    defaults = {
        "pcmk_monitor_retries": 4,
        "pcmk_action_limit": 3,
        "pcmk_reboot_timeout": 900,
        "power_timeout": 240,
    }
    defaults.update(attrs)
    return {
        "id": "rsc_st_azure",
        "type": "fence_azure_arm",
        "instance_attributes": {"nvpair": [{"name": k, "value": v} for k, v in defaults.items()]},
        "operations": {"op": [{"name": "monitor", "interval": monitor_interval, "timeout": 120}]},
    }


def bootstrap(**props: Any) -> list[dict[str, Any]]:
    return [{"id": "cib-bootstrap-options", "nvpair": nvpairs(**props)}]


def saptune_status(**result: Any) -> dict[str, Any]:
    return {"result": result}


def profiles(start: str, restart: str) -> dict[str, Any]:
    content = {"INSTANCE_NAME": "ASCS00", start: "local $(_EN)", "SAPSYSTEMNAME": "NWP"}
    if restart:
        content[restart] = "local $(_ER)"
    return {"NWP": {"profiles": [{"name": "NWP_ASCS00_sapnwpas", "content": content}]}}


ASCS_GROUP = {
    "id": "grp_NWP_ASCS00",
    "primitive": [
        {
            "id": "rsc_sapstartsrv_NWP_ASCS00",
            "type": "SAPStartSrv",
            "operations": {"op": [{"name": "start"}]},
        },
    ],
}
ERS_GROUP_MISSING = {"id": "grp_NWP_ERS10", "primitive": [{"id": "rsc_fs", "type": "Filesystem"}]}
SAPSERVICES = [{"kind": "systemctl", "sid": "NWP", "instance_nr": "00"}]

CASES = [
    Case(
        "156F64",
        "token_timeout",
        env={"provider": "azure"},
        outcomes={True: {"corosync_token_timeout": 30000}, False: {"corosync_token_timeout": 5000}},
    ),
    Case(
        "156F64",
        "token_timeout",
        env={"provider": "kvm"},
        outcomes={True: {"corosync_token_timeout": 5000}, False: {"corosync_token_timeout": 30000}},
    ),
    Case(
        "0AA227",
        "priority_fencing_delay",
        outcomes={
            True: {
                "cib_configuration": {
                    "nodes": cib_nodes(2),
                    "crm_config": {
                        "cluster_property_set": [
                            {"id": "cib-bootstrap-options", "nvpair": nvpairs(priority_fencing_delay=30)}
                        ]
                    },
                }
            },
            False: {
                "cib_configuration": {
                    "nodes": cib_nodes(2),
                    "crm_config": {
                        "cluster_property_set": [
                            {"id": "cib-bootstrap-options", "nvpair": nvpairs(priority_fencing_delay=5)}
                        ]
                    },
                }
            },
        },
    ),
    Case(
        "0AA227",
        "priority_fencing_delay",
        outcomes={
            True: {"cib_configuration": {"nodes": cib_nodes(3), "crm_config": {}}},
            False: {
                "cib_configuration": {
                    "nodes": cib_nodes(2),
                    "crm_config": {"cluster_property_set": [{"id": "other-options", "nvpair": []}]},
                }
            },
        },
    ),
    Case(
        "9C7296",
        "sap_kernel_supported",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "sapservices": SAPSERVICES,
                "disp_work": {"NWP": {"kernel_release": "753", "patch_number": "1100"}},
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "sapservices": SAPSERVICES,
                "disp_work": {"NWP": {"kernel_release": "753", "patch_number": "900"}},
            },
        },
    ),
    Case(
        "9C7296",
        "sap_kernel_supported",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "sapservices": [],
                "disp_work": {"NWP": {"kernel_release": "700", "patch_number": "1"}},
            },
            False: {"cluster_sids": ascs_ers_sids(), "sapservices": SAPSERVICES, "disp_work": {}},
        },
    ),
    Case(
        "58002B",
        "order_ascs_ers",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {"constraints": {"rsc_order": [order()]}},
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {"constraints": {"rsc_order": [order("stop")]}},
            },
        },
    ),
    Case(
        "58002B",
        "order_ascs_ers",
        outcomes={
            False: {"cluster_sids": ascs_ers_sids(), "cib_configuration": {"constraints": {}}},
        },
    ),
    Case(
        "DE74B2",
        "azure_fencing_attribute_settings_correct",
        outcomes={
            True: {"resources_primitives": [{"id": "x", "type": "IPaddr2"}, azure_fence()]},
            False: {"resources_primitives": [azure_fence(power_timeout=60)]},
        },
    ),
    Case(
        "DE74B2",
        "azure_fencing_attribute_settings_correct",
        outcomes={
            True: {"resources_primitives": [{"id": "x", "type": "IPaddr2"}]},
        },
    ),
    Case(
        "DE74B2",
        "azure_fencing_monitor_operations_settings_correct",
        outcomes={
            True: {"resources_primitives": [azure_fence()]},
            False: {"resources_primitives": [azure_fence(monitor_interval=10)]},
        },
    ),
    Case(
        "3A8663",
        "saptune_services",
        outcomes={
            "passing": {
                "saptune_status": saptune_status(
                    services={
                        "saptune": ["enabled", "active"],
                        "sapconf": [],
                        "tuned": ["disabled", "inactive"],
                    }
                )
            },
            "warning": {
                "saptune_status": saptune_status(
                    services={"saptune": ["disabled", "active"], "sapconf": [], "tuned": []}
                )
            },
            "critical": {
                "saptune_status": saptune_status(
                    services={
                        "saptune": ["enabled", "inactive"],
                        "sapconf": ["enabled", "active"],
                        "tuned": [],
                    }
                )
            },
        },
    ),
    Case(
        "3A361F",
        "systemd_state_running",
        outcomes={
            "passing": {"saptune_status": saptune_status(systemd_system_state="running")},
            "warning": {"saptune_status": saptune_status(systemd_system_state="starting")},
            "critical": {"saptune_status": saptune_status(systemd_system_state="degraded")},
        },
    ),
    Case(
        "61451E",
        "expectations_multiple_sbd_device",
        outcomes={
            "passing": {"sbd_multiple_sbd_device": "/dev/sda;/dev/sdb;/dev/sdc"},
            "warning": {"sbd_multiple_sbd_device": "/dev/sda;/dev/sdb"},
            "critical": {"sbd_multiple_sbd_device": "/dev/sda;;/dev/sdc"},
        },
    ),
    Case(
        "B3DA7E",
        "check_for_single_entry",
        outcomes={
            True: {
                "resource_options": [
                    {"id": "rsc-options", "nvpair": nvpairs(resource_stickiness=1, migration_threshold=3)},
                    {"id": "other", "nvpair": nvpairs(target_role="Started")},
                ]
            },
            False: {
                "resource_options": [
                    {"id": "rsc-options", "nvpair": nvpairs(resource_stickiness=1)},
                    {"id": "build-resource-defaults", "nvpair": nvpairs(resource_stickiness=1)},
                ]
            },
        },
    ),
    Case(
        "B3DA7E",
        "check_meta_attribute_name",
        outcomes={
            True: {"resource_options": [{"id": "build-resource-defaults", "nvpair": []}]},
            False: {"resource_options": [{"id": "something-else", "nvpair": []}]},
        },
    ),
    Case(
        "B3DA7E",
        "expectations_resource_stickiness",
        outcomes={
            True: {"resource_options": [{"id": "rsc-options", "nvpair": nvpairs(resource_stickiness=1)}]},
            False: {"resource_options": [{"id": "rsc-options", "nvpair": nvpairs(resource_stickiness=1000)}]},
        },
    ),
    Case(
        "B3DA7E",
        "expectations_migration_threshold",
        outcomes={
            True: {"resource_options": [{"id": "rsc-options", "nvpair": nvpairs(migration_threshold=3)}]},
            False: {"resource_options": [{"id": "other", "nvpair": nvpairs(migration_threshold=3)}]},
        },
    ),
    Case(
        "3A59DC",
        "recommended_solution",
        env={"cluster_type": "hana_scale_up"},
        outcomes={
            True: {"saptune_status": saptune_status(solution_enabled=["S4HANA-DBSERVER"])},
            False: {"saptune_status": saptune_status(solution_enabled=["NETWEAVER"])},
        },
    ),
    Case(
        "3A59DC",
        "recommended_solution",
        env={"cluster_type": "ascs_ers"},
        outcomes={
            True: {"saptune_status": saptune_status(solution_enabled=["NETWEAVER_mySol"])},
            False: {"saptune_status": saptune_status(solution_enabled=[])},
        },
    ),
    Case(
        "6E0DEC",
        "expectations_concurrent_fencing",
        outcomes={
            True: {
                "resources_primitives": [azure_fence()],
                "crm_config_properties": bootstrap(concurrent_fencing=True),
            },
            False: {
                "resources_primitives": [azure_fence()],
                "crm_config_properties": bootstrap(concurrent_fencing=False),
            },
        },
    ),
    Case(
        "6E0DEC",
        "expectations_concurrent_fencing",
        outcomes={
            True: {"resources_primitives": [], "crm_config_properties": []},
            False: {
                "resources_primitives": [azure_fence()],
                "crm_config_properties": bootstrap(stonith_enabled=True),
            },
        },
    ),
    Case(
        "373DB8",
        "expectations_fencing_timeout",
        env={"provider": "azure"},
        outcomes={
            True: {
                "resources_primitives": [azure_fence()],
                "crm_config_properties": bootstrap(stonith_timeout=900),
            },
            False: {
                "resources_primitives": [azure_fence()],
                "crm_config_properties": bootstrap(stonith_timeout=150),
            },
        },
    ),
    Case(
        "373DB8",
        "expectations_fencing_timeout",
        env={"provider": "kvm"},
        outcomes={
            True: {"resources_primitives": [], "crm_config_properties": bootstrap(stonith_timeout=200)},
            False: {"resources_primitives": [], "crm_config_properties": bootstrap(stonith_timeout=60)},
        },
    ),
    Case(
        "3AA324",
        "sapping_enabled_on_simple_mount",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(filesystem_based=True),
                "service_sapping": {"unit_file_state": "x"},
            },
            False: {"cluster_sids": ascs_ers_sids(), "service_sapping": {"unit_file_state": "disabled"}},
        },
    ),
    Case(
        "481552",
        "expectations_hana_call",
        outcomes={
            True: {"resources": hana_resources("HANA_CALL_TIMEOUT", 60)},
            False: {"resources": hana_resources("HANA_CALL_TIMEOUT", 10, kind="clone")},
        },
    ),
    Case(
        "481552",
        "expectations_hana_call",
        outcomes={
            True: {"resources": hana_resources("PREFER_SITE_TAKEOVER", True, kind="clone")},
            False: {"resources": {"group": []}},
        },
    ),
    Case(
        "68626E",
        "expectations_sbd_msgwait_timeout",
        outcomes={
            True: {"dump_sbd_devices": {"/dev/sda": {"timeout_msgwait": 120, "timeout_watchdog": 60}}},
            False: {
                "dump_sbd_devices": {
                    "/dev/sda": {"timeout_msgwait": 120, "timeout_watchdog": 60},
                    "/dev/sdb": {"timeout_msgwait": 100, "timeout_watchdog": 60},
                }
            },
        },
    ),
    Case(
        "4DD3B5",
        "location_ascs_ers_exists",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {
                    "constraints": {
                        "rsc_location": [
                            {
                                "rsc": "rsc_sap_NWP_ASCS00",
                                "rule": {
                                    "score": 2000,
                                    "expression": {
                                        "attribute": "runs_ers_NWP",
                                        "operation": "eq",
                                        "value": 1,
                                    },
                                },
                            }
                        ]
                    }
                },
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {
                    "constraints": {
                        "rsc_location": [
                            {
                                "rsc": "rsc_sap_NWP_ASCS00",
                                "rule": {
                                    "score": 0,
                                    "expression": {
                                        "attribute": "runs_ers_NWP",
                                        "operation": "eq",
                                        "value": 1,
                                    },
                                },
                            }
                        ]
                    }
                },
            },
        },
    ),
    Case(
        "4DD3B5",
        "location_ascs_ers_exists",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids("ensa2"), "cib_configuration": {}},
        },
    ),
    Case(
        "733ED3",
        "colocation_ascs_ers",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {
                    "constraints": {
                        "rsc_colocation": [{"rsc": "grp_NWP_ERS10", "with-rsc": "grp_NWP_ASCS00", "score": -5000}]
                    }
                },
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {
                    "constraints": {
                        "rsc_colocation": [{"rsc": "grp_NWP_ERS10", "with-rsc": "grp_NWP_ASCS00", "score": 5000}]
                    }
                },
            },
        },
    ),
    Case(
        "3EB4C0",
        "ascs_resource_in_group",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {"resources": {"group": [ASCS_GROUP]}},
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {"resources": {"group": [ERS_GROUP_MISSING]}},
            },
        },
    ),
    Case(
        "3EB4C0",
        "ascs_resource_monitor_operation",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {"resources": {"group": [ASCS_GROUP]}},
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {
                    "resources": {
                        "group": [
                            {
                                "id": "grp_NWP_ASCS00",
                                "primitive": [{"type": "SAPStartSrv", "operations": {"op": [{"name": "monitor"}]}}],
                            }
                        ]
                    }
                },
            },
        },
    ),
    Case(
        "3EB4C0",
        "ers_resource_in_group",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(filesystem_based=True),
                "cib_configuration": {"resources": {"group": []}},
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "cib_configuration": {"resources": {"group": [ERS_GROUP_MISSING]}},
            },
        },
    ),
    Case(
        "0D636F",
        "enq_startmode_is_start",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids("ensa2"), "sap_profiles": profiles("Start_Program_01", "")},
            False: {
                "cluster_sids": ascs_ers_sids("ensa2"),
                "sap_profiles": profiles("Start_Program_01", "Restart_Program_01"),
            },
        },
    ),
    Case(
        "972BE0",
        "services_disabled",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "enabled_instances": [{"name": "/etc/systemd/system/multi-user.target.wants/SAPABC_00.service"}],
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "enabled_instances": [{"name": "/etc/systemd/system/multi-user.target.wants/SAPNWP_10.service"}],
            },
        },
    ),
    Case(
        "979BF8",
        "sapservices_same_init_system",
        outcomes={
            True: {"sapservices": [{"kind": "systemctl"}, {"kind": "systemctl"}]},
            False: {"sapservices": [{"kind": "systemctl"}, {"kind": "sapstartsrv"}]},
        },
    ),
    Case(
        "E090D8",
        "usr_sap_not_on_nfs",
        outcomes={
            True: {"fstab": [{"mount_point": "/usr/sap", "file_system_type": "xfs"}]},
            False: {
                "fstab": [
                    {"mount_point": "/", "file_system_type": "btrfs"},
                    {"mount_point": "/usr/sap", "file_system_type": "nfs4"},
                ]
            },
        },
    ),
    Case(
        "553B84",
        "expectations_topology_configured",
        outcomes={
            True: {"resources": {"clone": [{"primitive": [{"provider": "suse", "type": "SAPHanaTopology"}]}]}},
            False: {"resources": {"clone": [{"primitive": [{"provider": "heartbeat", "type": "IPaddr2"}]}]}},
        },
    ),
    Case(
        "6E9B82",
        "num_nodes_equal_in_corosync_and_cib",
        outcomes={
            True: {"corosync_num_nodes": [{"id": 1}, {"id": 2}], "cib_num_nodes": [{"id": "1"}, {"id": "2"}]},
            False: {"corosync_num_nodes": [{"id": 1}], "cib_num_nodes": [{"id": "1"}, {"id": "2"}]},
        },
    ),
    Case(
        "6E9B82",
        "twonode_parameter",
        outcomes={
            True: {"corosync_num_nodes": [{}, {}, {}], "corosync_twonode": 0},
            False: {"corosync_num_nodes": [{}], "corosync_twonode": 1},
        },
    ),
    Case(
        "B3BD54",
        "ascs_dir_ownership",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "ascs_dirs": [{"name": "/usr/sap/NWP/ASCS00", "owner": "nwpadm", "group": "sapsys"}],
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "ascs_dirs": [{"name": "/usr/sap/NWP/ASCS00", "owner": "root", "group": "sapsys"}],
            },
        },
    ),
    Case(
        "32CFC6",
        "expectations_totem_interfaces",
        outcomes={
            True: {"totem_interfaces": [{"linknumber": 0}, {"linknumber": 1}]},
            False: {"totem_interfaces": [{"linknumber": 0}]},
        },
    ),
    Case(
        "3ADBCB",
        "verify_warnings",
        outcomes={
            True: {"saptune_note_verify": {"messages": [{"priority": "INFO", "message": "ok"}]}},
            False: {"saptune_note_verify": {"messages": [{"priority": "WARNING", "message": "x"}]}},
        },
    ),
    Case(
        "1F877F",
        "sidadm_exist",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids(), "passwd": [{"user": "sapadm"}, {"user": "nwpadm"}]},
            False: {"cluster_sids": ascs_ers_sids(), "passwd": [{"user": "sapadm"}]},
        },
    ),
    Case(
        "790926",
        "expectations_hacluster_passwd_changed",
        outcomes={
            True: {"hacluster_has_default_password": False},
            False: {"hacluster_has_default_password": True},
        },
    ),
    Case(
        "CAEFF1",
        "expectations_sles_sap",
        outcomes={
            True: {"os_flavor": "SLES_SAP"},
            False: {"os_flavor": None},
        },
    ),
    Case(
        "8E6110",
        "expectations_saphostagent_active",
        outcomes={
            True: {"service_saphostagent": {"active_state": "active"}},
            False: {"service_saphostagent": {"active_state": "failed"}},
        },
    ),
]


def assert_case(catalog: dict[str, dict[str, Any]], case: Case) -> None:
    """Each set of facts gives the case's expected result (of the same type) for the expectation."""
    check = catalog[case.check]
    exp = expectation(check, case.expectation)
    program = compile_script(source_of(exp))
    values = resolve_values(check, case.env)
    for expected, facts in case.outcomes.items():
        result = program.evaluate({"facts": facts, "values": values})
        assert result == expected, f"facts {facts} gave {result!r}, expected {expected!r}"
        assert type(result) is type(expected)


def assert_same(
    catalog: dict[str, dict[str, Any]], check_id: str, name: str, agents: list[dict[str, Any]], same: bool
) -> None:
    """The agents' results of an expect_same expectation are all equal, or not."""
    check = catalog[check_id]
    program = compile_script(expectation(check, name)["expect_same"])
    values = resolve_values(check, {})
    results = [program.evaluate({"facts": facts, "values": values}) for facts in agents]
    assert all(r == results[0] for r in results) is same, results


@pytest.mark.parametrize("case", CASES, ids=str)
def test_catalog_check(catalog: dict[str, dict[str, Any]], case: Case) -> None:
    assert_case(catalog, case)


# expect_same: facts of several agents, and whether the results are all equal
SAME_CASES = [
    (
        "3A9890",
        "overrides_identical",
        [
            {
                "saptune_note_verify": {
                    "result": {
                        "verifications": [
                            {"parameter": "vm.swappiness", "override_value": "10", "compliant": True},
                            {"parameter": "kernel.numa", "compliant": True},
                        ]
                    }
                }
            },
            {
                "saptune_note_verify": {
                    "result": {
                        "verifications": [
                            {"parameter": "kernel.numa", "compliant": False},
                            {"parameter": "vm.swappiness", "override_value": "10"},
                        ]
                    }
                }
            },
        ],
        True,
    ),
    (
        "3A9890",
        "overrides_identical",
        [
            {"saptune_note_verify": {"result": {"verifications": [{"parameter": "a", "override_value": "1"}]}}},
            {"saptune_note_verify": {"result": {"verifications": [{"parameter": "a", "override_value": "2"}]}}},
        ],
        False,
    ),
    (
        "438525",
        "name_resoluation",
        [
            {
                "cluster_nodes": [{"uname": "b"}, {"uname": "a"}],
                "hosts": {"a": ["10.0.0.1"], "b": ["10.0.0.2"]},
            },
            {
                "cluster_nodes": [{"uname": "a"}, {"uname": "b"}],
                "hosts": {"b": ["10.0.0.2"], "a": ["10.0.0.1"]},
            },
        ],
        True,
    ),
    (
        "438525",
        "name_resoluation",
        [
            {
                "cluster_nodes": [{"uname": "a"}, {"uname": "b"}],
                "hosts": {"a": ["10.0.0.1"], "b": ["10.0.0.2"]},
            },
            {
                "cluster_nodes": [{"uname": "a"}, {"uname": "b"}],
                "hosts": {"a": ["10.0.0.1"], "b": ["10.0.0.9"]},
            },
        ],
        False,
    ),
    (
        "0B0F87",
        "saphanasr_version_identical",
        [
            {"installed_saphanasr_version": [{"version": "0.162.1"}]},
            {"installed_saphanasr_version": [{"version": "0.162.1"}]},
        ],
        True,
    ),
]


@pytest.mark.parametrize(("check_id", "name", "agents", "same"), SAME_CASES)
def test_catalog_expect_same(
    catalog: dict[str, dict[str, Any]], check_id: str, name: str, agents: list[dict[str, Any]], same: bool
) -> None:
    assert_same(catalog, check_id, name, agents, same)


def test_3a9890_returns_the_overrides_map(catalog: dict[str, dict[str, Any]]) -> None:
    program = compile_script(expectation(catalog["3A9890"], "overrides_identical")["expect_same"])
    facts = SAME_CASES[0][2][0]
    assert program.evaluate({"facts": facts, "values": {}}) == {"vm.swappiness": "10"}


MESSAGES = [
    (
        "156F64",
        "token_timeout",
        "failure_message",
        {"provider": "gcp"},
        {"corosync_token_timeout": 5000},
        "Corosync 'token' timeout value was expected to be '20000' but configured value is '5000'",
    ),
    (
        "61451E",
        "expectations_multiple_sbd_device",
        "warning_message",
        {},
        {"sbd_multiple_sbd_device": "/a;/b"},
        "SBD devices count was expected to be '3' but configured value is '2'",
    ),
    (
        "3ADBCB",
        "verify_warnings",
        "failure_message",
        {},
        {"saptune_note_verify": {"messages": [{"priority": "WARNING"}, {"priority": "WARNING"}, {"priority": "NOTE"}]}},
        "A 'saptune verify' was expected to report **NO** warnings but reported '2' warnings.",
    ),
    (
        "3A59DC",
        "recommended_solution",
        "failure_message",
        {"cluster_type": "ascs_ers"},
        {"saptune_status": saptune_status(solution_enabled=["HANA"])},
        "The enabled Solution 'HANA' is **not** the recommended one 'NETWEAVER'.",
    ),
    (
        "3A8663",
        "saptune_services",
        "failure_message",
        {},
        {"saptune_status": saptune_status(services={"saptune": ["disabled", "inactive"], "sapconf": []})},
        'Critical - saptune service is **inactive** (["disabled", "inactive"]) and/or sapconf service is '
        "**enabled** and/or **active** ([])",
    ),
]


@pytest.mark.parametrize(("check_id", "name", "key", "env", "facts", "text"), MESSAGES)
def test_catalog_message_interpolation(
    catalog: dict[str, dict[str, Any]],
    check_id: str,
    name: str,
    key: str,
    env: dict[str, Any],
    facts: dict[str, Any],
    text: str,
) -> None:
    check = catalog[check_id]
    message = expectation(check, name)[key]
    scope = {"facts": facts, "values": resolve_values(check, env)}
    assert compile_script(f"`{message}`").evaluate(scope) == text.rstrip()


def test_value_conditions_see_only_env(catalog: dict[str, dict[str, Any]]) -> None:
    assert resolve_values(catalog["156F64"], {"provider": "aws"}) == {"expected_token_timeout": 30000}
    assert resolve_values(catalog["156F64"], {}) == {"expected_token_timeout": 5000}
    assert resolve_values(catalog["3A59DC"], {"cluster_type": "hana_scale_out"}) == {"expected_solution": "HANA"}
