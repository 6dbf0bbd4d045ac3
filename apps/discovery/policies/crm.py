"""Reading a Pacemaker cluster from the agent's ``Cib`` (configuration) and ``Crmmon`` (runtime) sections.

Both sections keep the agent's CamelCase keys. Lists the agent leaves empty arrive as null.
"""

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from apps.discovery.policies._payload import dig, items, pairs

SAP_INSTANCE_AGENT = "ocf::heartbeat:SAPInstance"
HANA_AGENTS = ("ocf::suse:SAPHana", "ocf::suse:SAPHanaTopology", "ocf::suse:SAPHanaController")
#: Resources that bring an SAP instance's files along when the instance moves: the classic Filesystem
#: resource, or SAPStartSrv in a "simple mount" setup.
MOUNTING_TYPES = ("Filesystem", "SAPStartSrv")


class Cluster:
    """One ha_cluster_discovery payload (an online node's view of the cluster)."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.payload = payload

    # --- configuration (CIB) ---------------------------------------------------------------------

    @cached_property
    def properties(self) -> dict[str, Any]:
        """The ``crm_config`` cluster properties (SAPHanaSR keeps its global and site state there)."""
        return pairs(dig(self.payload, "Cib", "Configuration", "CrmConfig", "ClusterProperties"))

    @property
    def cib_groups(self) -> list[Mapping[str, Any]]:
        return items(dig(self.payload, "Cib", "Configuration", "Resources", "Groups"))

    @cached_property
    def cib_primitives(self) -> list[Mapping[str, Any]]:
        """Every configured primitive: stand-alone, cloned, promotable ("master") and grouped."""
        resources = dig(self.payload, "Cib", "Configuration", "Resources") or {}
        wrapped = items(resources.get("Clones")) + items(resources.get("Masters"))
        return (
            items(resources.get("Primitives"))
            + [entry["Primitive"] for entry in wrapped if isinstance(entry.get("Primitive"), Mapping)]
            + [primitive for group in self.cib_groups for primitive in items(group.get("Primitives"))]
        )

    # --- runtime (crm_mon) -----------------------------------------------------------------------

    @property
    def nodes(self) -> list[Mapping[str, Any]]:
        return items(dig(self.payload, "Crmmon", "Nodes"))

    def node_attributes(self, node_name: str) -> dict[str, Any]:
        for node in items(dig(self.payload, "Crmmon", "NodeAttributes", "Nodes")):
            if node.get("Name") == node_name:
                return pairs(node.get("Attributes"))
        return {}

    @property
    def crm_groups(self) -> list[Mapping[str, Any]]:
        return items(dig(self.payload, "Crmmon", "Groups"))

    @property
    def crm_clones(self) -> list[Mapping[str, Any]]:
        return items(dig(self.payload, "Crmmon", "Clones"))

    @cached_property
    def crm_entries(self) -> list[tuple[Mapping[str, Any], dict[str, Any] | None]]:
        """Every running-state resource entry with the clone or group holding it (None when stand-alone):
        stand-alone, then cloned, then grouped."""
        return (
            [(resource, None) for resource in items(dig(self.payload, "Crmmon", "Resources"))]
            + [
                (
                    resource,
                    {"id": clone.get("Id"), "managed": clone.get("Managed"), "multi_state": clone.get("MultiState")},
                )
                for clone in self.crm_clones
                for resource in items(clone.get("Resources"))
            ]
            + [
                (resource, {"id": group.get("Id"), "managed": None, "multi_state": None})
                for group in self.crm_groups
                for resource in items(group.get("Resources"))
            ]
        )

    @property
    def crm_resources(self) -> list[Mapping[str, Any]]:
        return [resource for resource, _ in self.crm_entries]

    def fail_count(self, node_name: str | None, resource_id: str) -> int | None:
        for node in items(dig(self.payload, "Crmmon", "NodeHistory", "Nodes")):
            if node.get("Name") == node_name:
                for entry in items(node.get("ResourceHistory")):
                    if entry.get("Name") == resource_id:
                        return entry.get("FailCount")
        return None

    @cached_property
    def resources(self) -> list[dict[str, Any]]:
        """Every resource crm_mon reports, one entry per node it runs on (``details.resources``)."""
        return [self._resource(resource, parent) for resource, parent in self.crm_entries]

    def _resource(self, resource: Mapping[str, Any], parent: dict[str, Any] | None) -> dict[str, Any]:
        node = dig(resource, "Node", "Name")
        return {
            "id": resource.get("Id"),
            "type": resource.get("Agent"),
            "role": resource.get("Role"),
            "status": resource_status(resource),
            "fail_count": self.fail_count(node, resource.get("Id")),
            "managed": resource.get("Managed"),
            "parent": parent,
            "node": node,
            "sid": self._resource_sid(resource.get("Id"), resource.get("Agent")),
        }

    def _resource_sid(self, resource_id: Any, agent: Any) -> str | None:
        """The SAP system a HANA or SAPInstance resource runs, from its CIB configuration."""
        if agent not in HANA_AGENTS and agent != SAP_INSTANCE_AGENT:
            return None
        primitive = next((p for p in self.cib_primitives if p.get("Id") == resource_id), {})
        attributes = instance_attributes(primitive)
        if agent == SAP_INSTANCE_AGENT:
            name = attributes.get("InstanceName")
            return name.split("_")[0] if isinstance(name, str) else None
        return attributes.get("SID")

    def node_resources(self, node_name: str) -> list[dict[str, Any]]:
        return [resource for resource in self.resources if resource["node"] == node_name]


def instance_attributes(primitive: Mapping[str, Any]) -> dict[str, Any]:
    return pairs(primitive.get("InstanceAttributes"))


def node_status(node: Mapping[str, Any]) -> str:
    """The first flag that holds, in the order crm_mon gives them weight."""
    if node.get("Online") is False:
        return "Offline"
    for flag, status in (
        ("Unclean", "Unclean"),
        ("Standby", "Standby"),
        ("Maintenance", "Maintenance"),
        ("Shutdown", "Shutdown"),
        ("Pending", "Pending"),
        ("StandbyOnFail", "Standby on fail"),
        ("Online", "Online"),
    ):
        if node.get(flag) is True:
            return status
    return "Unknown"


def resource_status(resource: Mapping[str, Any]) -> str | None:
    for flag, status in (
        ("Active", "Active"),
        ("Blocked", "Blocked"),
        ("Failed", "Failed"),
        ("FailureIgnored", "FailureIgnored"),
        ("Orphaned", "Orphaned"),
    ):
        if resource.get(flag) is True:
            return status
    return None


def fencing_type(cluster: Cluster) -> str:
    """The stonith agent in use; without one, what the SBD configuration says."""
    for resource in cluster.crm_resources:
        agent = resource.get("Agent") or ""
        if agent.startswith("stonith:"):
            return agent.removeprefix("stonith:")
    sbd = dig(cluster.payload, "SBD") or {}
    config = sbd.get("Config") or {}
    if "SBD_DEVICE" not in config and "SBD_WATCHDOG_DEV" in config and not items(sbd.get("Devices")):
        return "Diskless SBD"
    return "Unknown"


def sbd_devices(cluster: Cluster) -> list[dict[str, Any]]:
    return [
        {"device": device.get("Device"), "status": device.get("Status")}
        for device in items(dig(cluster.payload, "SBD", "Devices"))
    ]


def stopped_resources(cluster: Cluster) -> list[dict[str, Any]]:
    return [
        entry
        for (resource, _), entry in zip(cluster.crm_entries, cluster.resources, strict=True)
        if resource.get("NodesRunningOn") == 0 and resource.get("Active") is False
    ]


def maintenance_mode(cluster: Cluster) -> bool:
    return cluster.properties.get("maintenance-mode") == "true"


def virtual_ip_type(provider: str) -> str:
    """The resource agent that holds the floating IP: AWS moves a VPC route, elsewhere it is IPaddr2."""
    return "aws-vpc-move-ip" if provider == "aws" else "IPaddr2"
