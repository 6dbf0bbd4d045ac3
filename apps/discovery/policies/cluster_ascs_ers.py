"""Details of an ASCS/ERS (enqueue replication) cluster: one entry per SAP system it protects.

Each SAP system has two resource groups in the CIB, one around the ASCS SAPInstance and one around
the ERS SAPInstance (``IS_ERS=true``). Where the groups run comes from crm_mon, what they hold from
the CIB.
"""

from collections.abc import Mapping
from typing import Any

from apps.discovery.policies import crm
from apps.discovery.policies._payload import dig, items
from apps.discovery.policies.crm import Cluster


def details(cluster: Cluster, sids: list[str], provider: str) -> dict[str, Any]:
    return {
        "sap_systems": [_sap_system(cluster, sid, provider) for sid in sids],
        "fencing_type": crm.fencing_type(cluster),
        "maintenance_mode": crm.maintenance_mode(cluster),
        "stopped_resources": crm.stopped_resources(cluster),
        "sbd_devices": crm.sbd_devices(cluster),
        "resources": cluster.resources,
    }


def _system_primitives(cluster: Cluster, sid: str) -> list[Mapping[str, Any]]:
    """The primitives of every group whose SAPInstance belongs to ``sid``."""
    result = []
    for group in cluster.cib_groups:
        primitives = items(group.get("Primitives"))
        instance_names = [
            crm.instance_attributes(p).get("InstanceName") or "" for p in primitives if p.get("Type") == "SAPInstance"
        ]
        if any(name.split("_")[0] == sid for name in instance_names):
            result += primitives
    return result


def _sap_system(cluster: Cluster, sid: str, provider: str) -> dict[str, Any]:
    primitives = _system_primitives(cluster, sid)
    ids = {p.get("Id") for p in primitives}
    return {
        "sid": sid,
        # The ASCS and ERS directories follow their instances as Filesystem resources (not simple mount).
        "filesystem_resource_based": [p.get("Type") for p in primitives].count("Filesystem") == 2,
        "distributed": _distributed(cluster, ids),
        "nodes": [_node(cluster, node, primitives, ids, provider) for node in cluster.nodes],
    }


def _distributed(cluster: Cluster, ids: set[Any]) -> bool:
    """ASCS and ERS are both started, not failed, on two different clean (online, not unclean) nodes."""
    clean_nodes = {n.get("Name") for n in cluster.nodes if n.get("Online") is True and n.get("Unclean") is False}
    running_on = {
        dig(resource, "Node", "Name")
        for group in cluster.crm_groups
        for resource in items(group.get("Resources"))
        if resource.get("Id") in ids
        and resource.get("Agent") == crm.SAP_INSTANCE_AGENT
        and resource.get("Role") == "Started"
        and resource.get("Failed") is False
        and dig(resource, "Node", "Name") in clean_nodes
    }
    return len(running_on) == 2


def _node(
    cluster: Cluster, node: Mapping[str, Any], primitives: list[Mapping[str, Any]], ids: set[Any], provider: str
) -> dict[str, Any]:
    name = node.get("Name")
    resources = [r for r in cluster.node_resources(name) if r["id"] in ids]
    running = {r["id"] for r in resources}
    here = [p for p in primitives if p.get("Id") in running]

    def attribute_of(resource_type: str, attribute: str) -> list[Any]:
        return [crm.instance_attributes(p).get(attribute) for p in here if p.get("Type") == resource_type]

    return {
        "name": name,
        "roles": ["ers" if is_ers == "true" else "ascs" for is_ers in attribute_of("SAPInstance", "IS_ERS")],
        "virtual_ips": attribute_of(crm.virtual_ip_type(provider), "ip"),
        "filesystems": attribute_of("Filesystem", "directory"),
        "attributes": cluster.node_attributes(name),
        "resources": resources,
        "status": crm.node_status(node),
    }
