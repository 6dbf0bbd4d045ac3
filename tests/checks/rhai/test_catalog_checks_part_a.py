"""More real catalog checks (part A) evaluated against small hand-written facts, in the style of
``test_catalog_checks``: for each expectation, facts that make it pass and facts that make it fail."""

from typing import Any

import pytest

from tests.checks.rhai.test_catalog_checks import (
    Case,
    ascs_ers_sids,
    assert_case,
    assert_same,
    bootstrap,
    nvpairs,
    saptune_status,
)


def simple(check: str, name: str, good: Any, bad: Any, fact: str, env: dict[str, Any] | None = None) -> Case:
    """A one-fact check: ``good`` makes it pass, ``bad`` makes it fail."""
    return Case(check, name, env=env or {}, outcomes={True: {fact: good}, False: {fact: bad}})


def compare_version(check: str, name: str, fact: str) -> Case:
    """``package_version@v1`` with a version argument compares it with the installed one: 1 when the
    required version is newer than the installed one, 0 when equal, -1 when the installed one is newer."""
    return Case(check, name, outcomes={True: {fact: 0}, False: {fact: 1}})


SIMPLE_CASES = [
    simple("00081D", "expectations_max_messages", 20, 10, "max_messages"),
    simple("0B6DB2", "expectations_sbd_pacemaker", True, False, "sbd_pacemaker"),
    simple("15F7A8", "expectations_token_retransmits", 10, 6, "token_retransmits"),
    simple("15F7A8", "expectations_token_retransmits", 6, 10, "token_retransmits", {"provider": "aws"}),
    simple(
        "21FCA6",
        "corosync_retransmits",
        10,
        6,
        "corosync_token_retransmits_before_loss_const",
        {"provider": "azure"},
    ),
    simple(
        "21FCA6",
        "corosync_retransmits",
        6,
        10,
        "corosync_token_retransmits_before_loss_const",
        {"provider": "aws"},
    ),
    compare_version("222A57", "expectations_sbd_version", "compare_sbd_version"),
    Case("222A57", "expectations_sbd_version", outcomes={True: {"compare_sbd_version": -1}}),
    simple("24ABCB", "join_timeout", 60, 50, "corosync_join_timeout"),
    compare_version("31ADCA", "expectations_angi_version", "compare_angi_version"),
    compare_version("31BDCB", "expectations_SAPHanaSR_version", "compare_SAPHanaSR_version"),
    simple("33403D", "corosync_protocol", "udpu", "knet", "corosync_transport_protocol"),
    compare_version("33B87B", "expectations_supportutils_plugin_ha_sap_version", "compare_supportutils_plugin_ha_sap"),
    compare_version("442182", "expectations_patterns_sap_nw_version", "compare_patterns_sap_nw"),
    compare_version("48EEDC", "expectations_sap_suse_cluster_connector_version", "compare_sap_suse_cluster_connector"),
    simple("49591F", "expectations_sbd_startmode", "clean", "always", "sbd_startmode", {"provider": "kvm"}),
    simple("49591F", "expectations_sbd_startmode", "always", "clean", "sbd_startmode", {"provider": "azure"}),
    simple("53D035", "expectations_token_timeout", 5000, 30000, "token_timeout"),
    simple("53D035", "expectations_token_timeout", 30000, 5000, "token_timeout", {"provider": "aws"}),
    simple("53D035", "expectations_token_timeout", 20000, 30000, "token_timeout", {"provider": "gcp"}),
    simple("7E0221", "expectations_runtime_transport", "udpu", "udp", "runtime_transport"),
    compare_version(
        "801E6A", "expectations_sapstartsrv_resource_agents_version", "compare_sapstartsrv_resource_agents"
    ),
    simple(
        "816815",
        "expectations_sbd_state_active",
        {"active_state": "active", "unit_file_state": "enabled"},
        {"active_state": "inactive", "unit_file_state": "enabled"},
        "sbd_service_state",
    ),
    simple(
        "816815",
        "expectations_sbd_state_enabled",
        {"active_state": "active", "unit_file_state": "enabled"},
        {"active_state": "active", "unit_file_state": "disabled"},
        "sbd_service_state",
    ),
    simple("822E47", "expectations_runtime_join", 60, 50, "runtime_join"),
    simple("845CC9", "max_messages", 20, 30, "corosync_max_messages"),
    compare_version("87EE50", "expectations_systemd_version", "compare_systemd"),
    simple("9FAAD0", "expectations_pacemaker_version_to_exclude", 1, 0, "exclude_package_pacemaker"),
    Case("9FAAD0", "expectations_pacemaker_version_to_exclude", outcomes={True: {"exclude_package_pacemaker": -1}}),
    compare_version("9FEFB0", "expectations_pacemaker_version", "compare_pacemaker_version"),
    simple(
        "205AF7",
        "expectations_fencing_enabled",
        bootstrap(stonith_enabled=True),
        bootstrap(stonith_enabled=False),
        "crm_config_properties",
    ),
    simple(
        "3ADE17",
        "system_compliance",
        {"result": {"system_compliance": True}},
        {"result": {"system_compliance": False}},
        "saptune_note_verify",
    ),
    simple(
        "3AF270",
        "enabled_notes_applied",
        saptune_status(notes_enabled=["1410736", "1680803"], notes_applied=["1410736", "1680803"]),
        saptune_status(notes_enabled=["1410736", "1680803"], notes_applied=["1410736"]),
        "saptune_status",
    ),
]

# -- ASCS/ERS clusters (cluster_sids from ascs_ers_sids: ASCS00 in grp_NWP_ASCS00, ERS10 in grp_NWP_ERS10) --


def primitive(type_: str, rsc_id: str = "", instance: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    """A cibadmin primitive; ``instance_attributes`` is a map, ``meta_attributes`` a list of sets
    (meta attribute names are given with ``_`` for ``-``, as in ``nvpairs``)."""
    prim: dict[str, Any] = {"id": rsc_id or f"rsc_{type_}", "class": "ocf", "provider": "heartbeat", "type": type_}
    if instance is not None:
        # resource agent parameters keep their names (``MINIMAL_PROBE``, ``InstanceName``)
        pairs = [{"id": f"{prim['id']}-{k}", "name": k, "value": v} for k, v in instance.items()]
        prim["instance_attributes"] = {"id": f"{prim['id']}-instance_attributes", "nvpair": pairs}
    if meta:
        prim["meta_attributes"] = [{"id": f"{prim['id']}-meta_attributes", "nvpair": nvpairs(**meta)}]
    return prim


def group(group_id: str, *primitives: dict[str, Any], **meta: Any) -> dict[str, Any]:
    grp: dict[str, Any] = {"id": group_id, "primitive": list(primitives)}
    if meta:
        grp["meta_attributes"] = [{"id": f"{group_id}-meta_attributes", "nvpair": nvpairs(**meta)}]
    return grp


def sap_cluster(*groups: dict[str, Any], filesystem_based: bool = False, **resources: Any) -> dict[str, Any]:
    """Facts ``cluster_sids`` + ``cib_configuration`` (resources with the given groups)."""
    return {
        "cluster_sids": ascs_ers_sids(filesystem_based=filesystem_based),
        "cib_configuration": {"resources": {"group": list(groups), **resources}},
    }


def sap_instance(inst: str, instance: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    host = "sapnwpas" if inst.startswith("ASCS") else "sapnwper"
    params = {"InstanceName": f"NWP_{inst}_{host}", "START_PROFILE": f"/sapmnt/NWP/profile/NWP_{inst}_{host}"}
    return primitive("SAPInstance", f"rsc_sap_NWP_{inst}", {**params, **(instance or {})}, **meta)


def groups_fact(name: str, *users: str) -> dict[str, Any]:
    """Facts ``cluster_sids`` + ``groups`` (groups@v1) with one group ``name`` holding ``users``."""
    return {
        "cluster_sids": ascs_ers_sids(),
        "groups": [
            {"name": "root", "gid": 0, "users": []},
            {"name": name, "gid": 1001, "users": list(users)},
        ],
    }


def topology_clone(meta: dict[str, Any] | None = None, **timeouts: int) -> dict[str, Any]:
    """``cib.configuration.resources`` with a SAPHanaTopology clone; ``timeouts`` by operation name."""
    ops = [{"id": f"op-{n}", "name": n, "interval": 0, "timeout": t} for n, t in timeouts.items()]
    clone: dict[str, Any] = {
        "id": "cln_SAPHanaTopology_PRD_HDB00",
        "primitive": [
            {"id": "rsc_ip", "class": "ocf", "provider": "heartbeat", "type": "IPaddr2"},
            {
                "id": "rsc_SAPHanaTopology_PRD_HDB00",
                "class": "ocf",
                "provider": "suse",
                "type": "SAPHanaTopology",
                "operations": {"op": ops},
            },
        ],
    }
    if meta is not None:
        clone["meta_attributes"] = [{"id": "cln-meta", "nvpair": nvpairs(**meta)}]
    return {"clone": [clone]}


ASCS_GROUP_IP = "grp_NWP_ASCS00"
ERS_GROUP_IP = "grp_NWP_ERS10"

SAP_CASES = [
    Case(
        "1E91FF",
        "resource_minimal_probe",
        outcomes={
            True: sap_cluster(
                group(ASCS_GROUP_IP, primitive("IPaddr2"), sap_instance("ASCS00", {"MINIMAL_PROBE": True}))
            ),
            False: sap_cluster(group(ASCS_GROUP_IP, sap_instance("ASCS00", {"MINIMAL_PROBE": False}))),
        },
    ),
    Case(
        "1E91FF",
        "resource_minimal_probe",
        outcomes={
            True: sap_cluster(filesystem_based=True),
            False: sap_cluster(group(ERS_GROUP_IP, sap_instance("ERS10", {"MINIMAL_PROBE": True}))),
        },
    ),
    Case(
        "62A0E0",
        "resource_minimal_probe",
        outcomes={
            True: sap_cluster(group(ERS_GROUP_IP, sap_instance("ERS10", {"MINIMAL_PROBE": True}))),
            False: sap_cluster(group(ERS_GROUP_IP, sap_instance("ERS10"))),
        },
    ),
    Case(
        "57C663",
        "ascs_resource_resource_stickiness",
        outcomes={
            True: sap_cluster(group(ASCS_GROUP_IP, sap_instance("ASCS00", resource_stickiness=5000))),
            False: sap_cluster(group(ASCS_GROUP_IP, sap_instance("ASCS00", resource_stickiness=3000))),
        },
    ),
    Case(
        "57C663",
        "ascs_resource_resource_stickiness",
        outcomes={False: sap_cluster(group(ASCS_GROUP_IP, sap_instance("ASCS00")))},
    ),
    Case(
        "6B1B58",
        "group_resource_stickiness",
        outcomes={
            True: sap_cluster(group(ASCS_GROUP_IP, sap_instance("ASCS00"), resource_stickiness=3000)),
            False: sap_cluster(group(ASCS_GROUP_IP, sap_instance("ASCS00"))),
        },
    ),
    Case(
        "6B1B58",
        "group_resource_stickiness",
        outcomes={False: sap_cluster(group(ASCS_GROUP_IP, sap_instance("ASCS00"), resource_stickiness=1))},
    ),
    Case(
        "7E7F18",
        "ascs_resource_in_group",
        outcomes={
            True: sap_cluster(group(ASCS_GROUP_IP, primitive("IPaddr2"), sap_instance("ASCS00"))),
            False: sap_cluster(group(ASCS_GROUP_IP, sap_instance("ASCS00")), group(ERS_GROUP_IP, primitive("IPaddr2"))),
        },
    ),
    Case(
        "7E7F18",
        "ers_resource_in_group",
        outcomes={
            True: sap_cluster(group(ERS_GROUP_IP, primitive("IPaddr2"), sap_instance("ERS10"))),
            False: sap_cluster(group(ASCS_GROUP_IP, primitive("IPaddr2"))),
        },
    ),
    Case(
        "802D5D",
        "ascs_resource_in_group",
        outcomes={
            True: sap_cluster(group(ASCS_GROUP_IP, primitive("Filesystem")), filesystem_based=True),
            False: sap_cluster(group(ASCS_GROUP_IP, primitive("IPaddr2")), filesystem_based=True),
        },
    ),
    Case(
        "802D5D",
        "ascs_resource_in_group",
        outcomes={True: sap_cluster(group(ASCS_GROUP_IP, primitive("IPaddr2")))},
    ),
    Case(
        "802D5D",
        "ers_resource_in_group",
        outcomes={
            True: sap_cluster(group(ERS_GROUP_IP, primitive("Filesystem")), filesystem_based=True),
            False: sap_cluster(group(ASCS_GROUP_IP, primitive("Filesystem")), filesystem_based=True),
        },
    ),
    # the catalog tests ``resources.contains("primitives")`` (the gatherer's key is ``primitive``), so
    # with real facts these two expectations only fail when there are no resources at all
    Case(
        "802D5D",
        "ascs_resource_outside_group",
        outcomes={
            True: sap_cluster(primitive=[primitive("Filesystem", instance={"directory": "/usr/sap/NWP/ERS10"})]),
            False: {"cluster_sids": ascs_ers_sids(), "cib_configuration": {"nodes": {}}},
        },
    ),
    Case(
        "802D5D",
        "ers_resource_outside_group",
        outcomes={
            True: sap_cluster(primitive=[primitive("Filesystem", instance={"directory": "/usr/sap/NWP/ERS10"})]),
            False: {"cluster_sids": ascs_ers_sids(), "cib_configuration": {"nodes": {}}},
        },
    ),
    Case(
        "83952D",
        "check_group_order",
        outcomes={
            True: sap_cluster(
                group(ERS_GROUP_IP, primitive("IPaddr2"), primitive("SAPStartSrv"), sap_instance("ERS10"))
            ),
            False: sap_cluster(
                group(ERS_GROUP_IP, primitive("SAPStartSrv"), primitive("IPaddr2"), sap_instance("ERS10"))
            ),
        },
    ),
    Case(
        "83952D",
        "check_group_order",
        env={"provider": "azure"},
        outcomes={
            True: sap_cluster(
                group(
                    ERS_GROUP_IP,
                    primitive("azure-lb"),
                    primitive("IPaddr2"),
                    primitive("SAPStartSrv"),
                    sap_instance("ERS10"),
                )
            ),
            False: sap_cluster(
                group(ERS_GROUP_IP, primitive("IPaddr2"), primitive("SAPStartSrv"), sap_instance("ERS10"))
            ),
        },
    ),
    Case(
        "83952D",
        "check_group_order",
        outcomes={True: sap_cluster(filesystem_based=True), False: sap_cluster(group(ASCS_GROUP_IP))},
    ),
    Case(
        "8D5080",
        "check_group_order",
        env={"provider": "aws"},
        outcomes={
            True: sap_cluster(
                group(ERS_GROUP_IP, primitive("Filesystem"), primitive("IPaddr2"), sap_instance("ERS10")),
                filesystem_based=True,
            ),
            False: sap_cluster(
                group(ERS_GROUP_IP, primitive("IPaddr2"), primitive("Filesystem"), sap_instance("ERS10")),
                filesystem_based=True,
            ),
        },
    ),
    Case(
        "8D5080",
        "check_group_order",
        outcomes={
            True: sap_cluster(group(ERS_GROUP_IP, primitive("IPaddr2"))),
            False: sap_cluster(
                group(ERS_GROUP_IP, primitive("Filesystem"), primitive("IPaddr2"), sap_instance("ERS10")),
                filesystem_based=True,
            ),
        },
    ),
    Case(
        "2B37D1",
        "polkit_instance_rules_exist",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "sapservices": [
                    {"kind": "systemctl", "sid": "NWP", "instance_nr": "00"},
                    {"kind": "systemctl", "sid": "NWP", "instance_nr": "10"},
                ],
                "polkit_instance_rules": [
                    {"name": "/etc/polkit-1/rules.d/10-SAPNWP-00.rules", "owner": "root", "group": "root"},
                    {"name": "/etc/polkit-1/rules.d/10-SAPNWP-10.rules", "owner": "root", "group": "root"},
                ],
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "sapservices": [
                    {"kind": "systemctl", "sid": "NWP", "instance_nr": "00"},
                    {"kind": "systemctl", "sid": "NWP", "instance_nr": "10"},
                ],
                "polkit_instance_rules": [
                    {"name": "/etc/polkit-1/rules.d/10-SAPNWP-00.rules", "owner": "root", "group": "root"},
                ],
            },
        },
    ),
    Case(
        "2B37D1",
        "polkit_instance_rules_exist",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "sapservices": [{"kind": "sapstartsrv", "sid": "NWP", "instance_nr": "00"}],
                "polkit_instance_rules": [],
            },
        },
    ),
    Case(
        "5B7C59",
        "sidadm_in_sapinst",
        outcomes={True: groups_fact("sapinst", "root", "nwpadm"), False: groups_fact("sapinst", "root")},
    ),
    Case(
        "5B7C59",
        "sidadm_in_sapinst",
        outcomes={False: groups_fact("sapsys", "nwpadm")},
    ),
    Case(
        "5B7C59",
        "root_in_sapinst",
        outcomes={True: groups_fact("sapinst", "root", "nwpadm"), False: groups_fact("sapinst", "nwpadm")},
    ),
    Case(
        "5B7C59",
        "root_in_sapinst",
        outcomes={False: groups_fact("sapsys", "root")},
    ),
    Case(
        "73BB51",
        "sidadm_in_sapsys",
        outcomes={True: groups_fact("sapsys", "nwpadm"), False: groups_fact("sapsys", "sapadm")},
    ),
    Case(
        "73BB51",
        "sidadm_in_sapsys",
        outcomes={False: groups_fact("sapinst", "nwpadm")},
    ),
    Case(
        "9C304A",
        "sidadm_in_haclient",
        outcomes={True: groups_fact("haclient", "hacluster", "nwpadm"), False: groups_fact("haclient", "hacluster")},
    ),
    Case(
        "9C304A",
        "sidadm_in_haclient",
        outcomes={False: groups_fact("sapsys", "nwpadm")},
    ),
]

HANA_TOPOLOGY_CASES = [
    Case(
        "553B85",
        "expectations_monitor_timeout_configured",
        outcomes={
            True: {"resources": topology_clone(start=600, stop=300, monitor=600)},
            False: {"resources": topology_clone(start=600, stop=300, monitor=60)},
        },
    ),
    Case(
        "553B85",
        "expectations_monitor_timeout_configured",
        outcomes={False: {"resources": topology_clone(start=600, stop=300)}},
    ),
    Case(
        "553B86",
        "expectations_start_timeout_configured",
        outcomes={
            True: {"resources": topology_clone(start=600, stop=300, monitor=600)},
            False: {"resources": topology_clone(start=300, stop=300, monitor=600)},
        },
    ),
    Case(
        "553B87",
        "expectations_stop_timeout_configured",
        outcomes={
            True: {"resources": topology_clone(start=600, stop=300, monitor=600)},
            False: {"resources": topology_clone(start=600, monitor=600)},
        },
    ),
    Case(
        "553B87",
        "expectations_stop_timeout_configured",
        outcomes={False: {"resources": {"clone": []}}},
    ),
    Case(
        "553B88",
        "expectations_clone_node_max",
        outcomes={
            True: {"resources": topology_clone({"clone_node_max": 1, "interleave": True})},
            False: {"resources": topology_clone({"clone_node_max": 2, "interleave": True})},
        },
    ),
    Case(
        "553B89",
        "expectations_interleave",
        outcomes={
            True: {"resources": topology_clone({"clone_node_max": 1, "interleave": True})},
            False: {"resources": topology_clone({"clone_node_max": 1, "interleave": False})},
        },
    ),
]


def failover_config(*ha_active: bool) -> dict[str, Any]:
    """sapcontrol@v1 HAGetFailoverConfig: per SID, one entry per instance with the parsed output."""
    return {
        "NWP": [
            {
                "instance_nr": nr,
                "output": {
                    "ha_active": active,
                    "ha_product": "SUSE Linux Enterprise Server for SAP Applications 15 SP5",
                    "ha_product_version": "3.1.0",
                    "ha_sap_interface": "sap_suse_cluster_connector",
                    "ha_documentation": "https://www.suse.com/products/sles-for-sap/resource-library/",
                    "ha_active_nodes": "",
                    "ha_nodes": ["node1", "node2"],
                },
            }
            for nr, active in zip(["00", "10"], ha_active, strict=False)
        ]
    }


def instance_list(*statuses: str) -> dict[str, Any]:
    """sapcontrol@v1 GetSystemInstanceList: per SID, per instance, the list of system instances."""
    output = [
        {
            "hostname": host,
            "instance_nr": nr,
            "http_port": 50013 + 100 * nr,
            "https_port": 50014 + 100 * nr,
            "start_priority": "1",
            "features": "MESSAGESERVER|ENQUE",
            "dispstatus": status,
        }
        for host, nr, status in zip(["sapnwpas", "sapnwper"], [0, 10], statuses, strict=False)
    ]
    return {"NWP": [{"instance_nr": "00", "output": output}, {"instance_nr": "10", "output": output}]}


def fstab(*mounts: tuple[str, str], filesystem_based: bool = False) -> dict[str, Any]:
    """Facts ``cluster_sids`` + ``fstab`` (fstab@v1) with (mount point, file system type) lines."""
    lines = [
        {
            "device": f"nfs.example.com:/export{mount}" if fs.startswith("nfs") else "/dev/sdb1",
            "mount_point": mount,
            "file_system_type": fs,
            "options": ["defaults"],
            "backup": 0,
            "check_order": 0,
        }
        for mount, fs in [("/", "btrfs"), *mounts]
    ]
    return {"cluster_sids": ascs_ers_sids(filesystem_based=filesystem_based), "fstab": lines}


HALIB = {
    "service/halib": "$(DIR_CT_RUN)/saphascriptco.so",
    "service/halib_cluster_connector": "/usr/bin/sap_suse_cluster_connector",
}


def halib_profiles(**by_instance: dict[str, str]) -> dict[str, Any]:
    """Facts ``cluster_sids`` + ``sap_profiles`` (sap_profiles@v1): instance name -> extra profile content."""
    profiles = [
        {
            "name": f"NWP_{inst}_{'sapnwpas' if inst.startswith('ASCS') else 'sapnwper'}",
            "content": {"SAPSYSTEMNAME": "NWP", "INSTANCE_NAME": inst, **content},
        }
        for inst, content in by_instance.items()
    ]
    return {"cluster_sids": ascs_ers_sids(), "sap_profiles": {"NWP": {"profiles": profiles}}}


SAP_SYSTEM_CASES = [
    Case(
        "6E6395",
        "ha_active_true",
        outcomes={
            True: {"cluster_sids": ascs_ers_sids(), "ha_get_failover_config": failover_config(True, True)},
            False: {"cluster_sids": ascs_ers_sids(), "ha_get_failover_config": failover_config(True, False)},
        },
    ),
    Case(
        "6E6395",
        "ha_active_true",
        outcomes={False: {"cluster_sids": ascs_ers_sids(), "ha_get_failover_config": {}}},
    ),
    Case(
        "95B405",
        "instance_status_green",
        outcomes={
            True: {
                "cluster_sids": ascs_ers_sids(),
                "system_instance_list": instance_list("SAPControl-GREEN", "SAPControl-GREEN"),
            },
            False: {
                "cluster_sids": ascs_ers_sids(),
                "system_instance_list": instance_list("SAPControl-GREEN", "SAPControl-YELLOW"),
            },
        },
    ),
    Case(
        "95B405",
        "instance_status_green",
        outcomes={False: {"cluster_sids": ascs_ers_sids(), "system_instance_list": {"ABC": []}}},
    ),
    Case(
        "805CA4",
        "usr_sap_sid_on_nfs",
        outcomes={
            True: fstab(("/usr/sap/NWP", "nfs4"), ("/sapmnt/NWP", "nfs4")),
            False: fstab(("/usr/sap/NWP", "xfs"), ("/sapmnt/NWP", "nfs4")),
        },
    ),
    Case(
        "805CA4",
        "usr_sap_sid_on_nfs",
        outcomes={True: fstab(filesystem_based=True), False: fstab(("/usr/sap", "nfs"))},
    ),
    Case(
        "805CA4",
        "sapmnt_sid_on_nfs",
        outcomes={
            True: fstab(("/usr/sap/NWP", "xfs"), ("/sapmnt/NWP", "nfs")),
            False: fstab(("/usr/sap/NWP", "nfs4"), ("/sapmnt", "nfs4")),
        },
    ),
    Case(
        "810D2E",
        "ascs_halib_enabled",
        outcomes={
            True: halib_profiles(ASCS00=HALIB, ERS10={}),
            False: halib_profiles(ASCS00={**HALIB, "service/halib": "/usr/lib/saphascriptco.so"}, ERS10=HALIB),
        },
    ),
    Case(
        "810D2E",
        "ascs_halib_enabled",
        outcomes={False: halib_profiles(ERS10=HALIB)},
    ),
    Case(
        "810D2E",
        "ers_halib_enabled",
        outcomes={
            True: halib_profiles(ASCS00={}, ERS10=HALIB),
            False: halib_profiles(ASCS00=HALIB, ERS10={"service/halib": HALIB["service/halib"]}),
        },
    ),
]

CASES: list[Case] = [*SIMPLE_CASES, *SAP_CASES, *HANA_TOPOLOGY_CASES, *SAP_SYSTEM_CASES]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_catalog_check_part_a(catalog: dict[str, dict[str, Any]], case: Case) -> None:
    assert_case(catalog, case)


def pkg(version: str) -> list[dict[str, Any]]:
    """``package_version@v1`` with only a package name: the installed versions."""
    return [{"version": version}]


# expect_same: facts of several agents, and whether the results are all equal
SAME_CASES = [
    ("0B2F82", "angi_version_identical", [{"installed_angi_version": pkg("1.2.10")}] * 2, True),
    (
        "0B2F82",
        "angi_version_identical",
        [{"installed_angi_version": pkg("1.2.10")}, {"installed_angi_version": pkg("1.2.5")}],
        False,
    ),
    ("53D33E", "sbd_version_identical", [{"installed_sbd_version": pkg("1.5.2")}] * 2, True),
    (
        "53D33E",
        "sbd_version_identical",
        [{"installed_sbd_version": pkg("1.5.2")}, {"installed_sbd_version": pkg("1.5.1")}],
        False,
    ),
    (
        "82A031",
        "pacemaker_version_identical",
        [{"installed_pacemaker_version": pkg("2.1.7+20231219.0f7f88312")}] * 2,
        True,
    ),
    (
        "82A031",
        "pacemaker_version_identical",
        [
            {"installed_pacemaker_version": pkg("2.1.7+20231219.0f7f88312")},
            {"installed_pacemaker_version": pkg("2.1.6+20230818.0f7f88312")},
        ],
        False,
    ),
    (
        "3AA381",
        "installed_saptune_version_identical",
        [
            {"saptune_status": saptune_status(package_version="3.1.2", configured_version="3")},
            {"saptune_status": saptune_status(package_version="3.1.2", configured_version="2")},
        ],
        True,
    ),
    (
        "3AA381",
        "installed_saptune_version_identical",
        [
            {"saptune_status": saptune_status(package_version="3.1.2", configured_version="3")},
            {"saptune_status": saptune_status(package_version="3.1.1", configured_version="3")},
        ],
        False,
    ),
    (
        "3AA381",
        "configured_saptune_version_identical",
        [
            {"saptune_status": saptune_status(package_version="3.1.2", configured_version="3")},
            {"saptune_status": saptune_status(package_version="3.1.1", configured_version="3")},
        ],
        True,
    ),
    (
        "3AA381",
        "configured_saptune_version_identical",
        [
            {"saptune_status": saptune_status(package_version="3.1.2", configured_version="3")},
            {"saptune_status": saptune_status(package_version="3.1.2", configured_version="2")},
        ],
        False,
    ),
]

SAPTUNE_A = saptune_status(
    solution_enabled=["HANA"],
    notes_enabled=["941735", "1771258"],
    solution_applied=["HANA"],
    notes_applied=["941735", "1771258"],
)
for _name, _key, _other in [
    ("enabled_solution", "solution_enabled", ["NETWEAVER"]),
    ("enabled_notes", "notes_enabled", ["941735"]),
    ("applied_solution", "solution_applied", []),
    ("applied_notes", "notes_applied", ["1771258", "941735"]),
]:
    _changed = {"result": {**SAPTUNE_A["result"], _key: _other}}
    SAME_CASES += [
        ("3AD734", _name, [{"saptune_status": SAPTUNE_A}, {"saptune_status": SAPTUNE_A}], True),
        ("3AD734", _name, [{"saptune_status": SAPTUNE_A}, {"saptune_status": _changed}], False),
    ]


@pytest.mark.parametrize(("check_id", "name", "agents", "same"), SAME_CASES)
def test_catalog_expect_same_part_a(
    catalog: dict[str, dict[str, Any]], check_id: str, name: str, agents: list[dict[str, Any]], same: bool
) -> None:
    assert_same(catalog, check_id, name, agents, same)
