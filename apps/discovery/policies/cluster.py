"""ha_cluster_discovery → DeregisterClusterHost / RegisterOnlineClusterHost / RegisterOfflineClusterHost.

Everything the cluster aggregate needs is derived here, so it stays a pure comparison of details:
the cluster type and HANA architecture, the SAP instances of the CIB, per-node state, replication
state and the ASCS/ERS layout. As upstream, the command carries the volatile parts too: processing
records ``cib_last_written`` in a side table (the aggregate ignores it) and enrichment strips the
``lpa_<sid>_lpt`` node attribute.
"""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from apps.discovery.policies import cluster_ascs_ers, crm
from apps.discovery.policies._payload import dig, expect, items
from apps.discovery.policies.cloud import PROVIDERS
from apps.discovery.policies.cluster_hana import ANGI, CLASSIC, HanaCluster
from apps.discovery.policies.context import PolicyContext
from apps.discovery.policies.crm import Cluster
from apps.eventstore.commands import Command
from apps.landscape.commands import build, cluster_id, host_id

HANA_TYPES = ("hana_scale_up", "hana_scale_out")
SAP_HANA_TOPOLOGY = "sap_hana_topology"
SAP_INSTANCE = "sap_instance"
#: Pacemaker's controller states (controld_fsa.h) without their ``S_`` prefix; anything else is "unknown".
CONTROLLER_STATES = (
    "idle",
    "election",
    "integration",
    "finalize_join",
    "not_dc",
    "policy_engine",
    "recovery",
    "release_dc",
    "starting",
    "pending",
    "stopping",
    "terminate",
    "transition_engine",
    "s_max",
)


def ha_cluster_discovery(envelope: Mapping[str, Any], context: PolicyContext) -> list[Command]:
    host = host_id(envelope["agent_id"])
    payload = envelope["payload"]
    current = str(UUID(context.current_cluster_id)) if context.current_cluster_id else None
    if payload is None:
        # The host is no longer part of any cluster.
        return [_deregister(current, host, context)] if current else []
    payload = expect(payload, Mapping, "payload", what="an object or null")
    discovered = cluster_id(expect(payload.get("Id"), str, "payload", "Id", what="a string"))
    commands = [_deregister(current, host, context)] if current and current != discovered else []
    if payload.get("Online") is False:
        commands.append(
            build(
                "RegisterOfflineClusterHost",
                {"cluster_id": discovered, "host_id": host, "name": blank_as_none(payload.get("Name"))},
            )
        )
    else:
        commands.append(_register_online(discovered, host, payload))
    return commands


def _deregister(cluster: str, host: str, context: PolicyContext) -> Command:
    return build(
        "DeregisterClusterHost",
        {"cluster_id": cluster, "host_id": host, "deregistered_at": context.received_at_iso},
    )


def _register_online(discovered: str, host: str, payload: Mapping[str, Any]) -> Command:
    expect(payload.get("Cib"), Mapping, "payload", "Cib", what="an object")
    expect(payload.get("Crmmon"), Mapping, "payload", "Crmmon", what="an object")
    cluster = Cluster(payload)
    cluster_type, architecture = cluster_kind(cluster)
    instances = sap_instances(cluster)
    provider = str(payload.get("Provider") or "").lower()
    provider = provider if provider in PROVIDERS else "unknown"
    return build(
        "RegisterOnlineClusterHost",
        {
            "cluster_id": discovered,
            "host_id": host,
            "name": blank_as_none(payload.get("Name")),
            "type": cluster_type,
            "state": cluster_state(payload.get("State")),
            "provider": provider,
            "sap_instances": instances,
            "resources_number": dig(payload, "Crmmon", "Summary", "Resources", "Number"),
            "hosts_number": dig(payload, "Crmmon", "Summary", "Nodes", "Number"),
            "details": _details(cluster, cluster_type, architecture, instances, provider),
            "designated_controller": payload.get("DC") is True,
            # When the CIB last changed (crm_mon's "last change"), as the agent formats it.
            "cib_last_written": dig(payload, "Crmmon", "Summary", "LastChange", "Time"),
        },
    )


def blank_as_none(value: Any) -> Any:
    """A blank or whitespace-only string as None, as upstream's casts read it."""
    return None if isinstance(value, str) and not value.strip() else value


def cluster_state(state: Any) -> str:
    """The controller state ("S_IDLE", "S_TRANSITION_ENGINE", ...) as "idle", "transition_engine", ..."""
    state = state.removeprefix("S_").lower() if isinstance(state, str) else None
    return state if state in CONTROLLER_STATES else "unknown"


def cluster_kind(cluster: Cluster) -> tuple[str, str | None]:
    """The cluster type and, for HANA, the SAPHanaSR architecture (classic or angi).

    SAPHanaSR-angi declares its topology in ``hana_<sid>_glob_topology``; classic SAPHanaSR is known
    by its resource agents (SAPHana for scale-up, SAPHanaController for scale-out, both beside
    SAPHanaTopology). An even number (at least two) of groups holding a non-HANA SAPInstance is an
    ASCS/ERS layout, one ASCS and one ERS group per SAP system. Both at once is ``hana_ascs_ers``.
    """
    agents = {resource.get("Agent") for clone in cluster.crm_clones for resource in items(clone.get("Resources"))}
    hana = "unknown"
    if "ocf::suse:SAPHanaTopology" in agents:
        if "ocf::suse:SAPHana" in agents:
            hana = "hana_scale_up"
        elif "ocf::suse:SAPHanaController" in agents:
            hana = "hana_scale_out"
    sap_instance_groups = [
        group
        for group in cluster.crm_groups
        if any(
            resource.get("Agent") == crm.SAP_INSTANCE_AGENT and "HDB" not in (resource.get("Id") or "")
            for resource in items(group.get("Resources"))
        )
    ]
    ascs_ers = len(sap_instance_groups) >= 2 and len(sap_instance_groups) % 2 == 0
    topology = next((v for k, v in cluster.properties.items() if k.endswith("_glob_topology")), None)
    if ascs_ers:
        return ("hana_ascs_ers", None) if hana in HANA_TYPES else ("ascs_ers", None)
    if topology == "ScaleUp":
        return "hana_scale_up", ANGI
    if topology == "ScaleOut":
        return "hana_scale_out", ANGI
    if hana in HANA_TYPES:
        return hana, CLASSIC
    return "unknown", None


def sap_instances(cluster: Cluster) -> list[dict[str, Any]]:
    """The SAP instances the CIB manages, with the id of their primitive: HANA (SAPHanaTopology) first,
    then SAPInstance resources.

    An SAPInstance is "mounted" when its group also holds a Filesystem or SAPStartSrv resource: the
    cluster moves its files with it, so the instance fails over instead of being installed on
    every node.
    """
    mounted_ids = {
        primitive.get("Id")
        for group in cluster.cib_groups
        if any(p.get("Type") in crm.MOUNTING_TYPES for p in items(group.get("Primitives")))
        for primitive in items(group.get("Primitives"))
    }
    hana, others = [], []
    for primitive in cluster.cib_primitives:
        attributes = crm.instance_attributes(primitive)
        if primitive.get("Type") == "SAPHanaTopology" and attributes.get("SID"):
            number = attributes.get("InstanceNumber")
            hana.append(
                {
                    "name": f"HDB{number}",
                    "sid": attributes["SID"],
                    "instance_number": number,
                    "hostname": None,
                    "mounted": None,
                    "resource_type": SAP_HANA_TOPOLOGY,
                    "resource_id": primitive.get("Id"),
                }
            )
        elif primitive.get("Type") == "SAPInstance" and attributes.get("InstanceName"):
            # InstanceName reads <SID>_<instance name>_<virtual host>, e.g. NWP_ASCS00_sapnwpas.
            sid, _, rest = attributes["InstanceName"].partition("_")
            name, _, hostname = rest.partition("_")
            others.append(
                {
                    "name": name,
                    "sid": sid,
                    "instance_number": name[-2:],
                    "hostname": hostname or None,
                    "mounted": primitive.get("Id") in mounted_ids,
                    "resource_type": SAP_INSTANCE,
                    "resource_id": primitive.get("Id"),
                }
            )
    return hana + others


def _details(
    cluster: Cluster, cluster_type: str, architecture: str | None, instances: list[dict[str, Any]], provider: str
) -> dict[str, Any] | None:
    """The details of a HANA or an ASCS/ERS cluster; other clusters (unknown, HANA beside ASCS/ERS) have none."""
    hana_sids = [i["sid"] for i in instances if i["resource_type"] == SAP_HANA_TOPOLOGY]
    sap_sids = list(dict.fromkeys(i["sid"] for i in instances if i["resource_type"] == SAP_INSTANCE))
    if cluster_type in HANA_TYPES and architecture is not None:
        # Cost-optimized: a non-production system shares the secondary's nodes with HANA.
        scenario = "cost_optimized" if sap_sids else "performance_optimized"
        sid = hana_sids[0] if hana_sids else ""
        return HanaCluster(cluster, cluster_type, architecture, sid, provider).details(scenario)
    if cluster_type == "ascs_ers":
        return cluster_ascs_ers.details(cluster, sap_sids, provider)
    return None
