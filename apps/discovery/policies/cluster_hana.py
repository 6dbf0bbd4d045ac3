"""Details of a HANA system-replication cluster, as SAPHanaSR (classic) or SAPHanaSR-angi reports it.

Classic scale-up keeps the replication state in node attributes (``hana_<sid>_roles``,
``hana_<sid>_sync_state``, ...). Classic scale-out and angi keep it per site in cluster properties
(``hana_<sid>_site_srr_<site>``, ``..._site_lss_<site>``, ``hana_<sid>_glob_prim``, ...).
"""

from typing import Any

from apps.discovery.policies import crm
from apps.discovery.policies.crm import Cluster

CLASSIC = "classic"
ANGI = "angi"
#: What the scale-out resource agent assumes when the global srmode / op_mode properties are absent.
DEFAULT_SCALE_OUT_SR_MODE = "sync"
DEFAULT_SCALE_OUT_OPERATION_MODE = "logreplay"
UNKNOWN = "Unknown"


def hana_status(role: str | None, sync_state: str | None) -> str:
    """Primary / Secondary / Failed / Unknown from the replication role and the sync state.

    A primary that is not in PRIM state (an initial failover) and a secondary that is not in sync
    (SOK) are both Failed.
    """
    if role is None or sync_state in (None, UNKNOWN):
        return UNKNOWN
    if role == "P":
        return "Primary" if sync_state == "PRIM" else "Failed"
    if role == "S":
        return "Secondary" if sync_state == "SOK" else "Failed"
    return UNKNOWN


class HanaCluster:
    def __init__(self, cluster: Cluster, cluster_type: str, architecture: str, sid: str, provider: str) -> None:
        self.cluster = cluster
        self.cluster_type = cluster_type
        self.architecture = architecture
        self.sid = sid
        self.provider = provider
        self.prefix = f"hana_{sid.lower()}_"

    @property
    def classic_scale_up(self) -> bool:
        return self.cluster_type == "hana_scale_up" and self.architecture == CLASSIC

    def site_property(self, name: str, site: str, default: Any = None) -> Any:
        return self.cluster.properties.get(f"{self.prefix}site_{name}_{site}", default)

    @property
    def primary_site(self) -> str:
        return self.cluster.properties.get(f"{self.prefix}glob_prim", UNKNOWN)

    @property
    def secondary_sites(self) -> list[str]:
        """Every site with a landscape status besides the primary, in the order the CIB lists them."""
        marker = f"{self.prefix}site_lss_"
        sites = [name.removeprefix(marker) for name in self.cluster.properties if name.startswith(marker)]
        return [site for site in sites if site != self.primary_site]

    @property
    def secondary_site(self) -> str:
        return next(iter(self.secondary_sites), UNKNOWN)

    def site_status(self, site: str) -> str:
        role = self.site_property("srr", site, UNKNOWN)
        if self.architecture == ANGI:
            return hana_status(role, self.site_property("srPoll", site, UNKNOWN))
        sync_state = self.site_property("srHook", site)
        if sync_state is None:
            # Without the srHook attributes (old SAPHanaSR.py hook) only the secondary has a sync state.
            sync_state = self.cluster.properties.get(f"{self.prefix}glob_sync_state", UNKNOWN)
            sync_state = sync_state if site == self.secondary_site else "PRIM"
        return hana_status(role, sync_state)

    def details(self, hana_scenario: str) -> dict[str, Any]:
        nodes = self.nodes()
        replication = self._scale_up_replication(nodes) if self.classic_scale_up else self._site_replication()
        return {
            "architecture_type": self.architecture,
            "hana_scenario": hana_scenario,
            **replication,
            "fencing_type": crm.fencing_type(self.cluster),
            "maintenance_mode": crm.maintenance_mode(self.cluster),
            "stopped_resources": crm.stopped_resources(self.cluster),
            "nodes": nodes,
            "sbd_devices": crm.sbd_devices(self.cluster),
            "sites": self._scale_up_sites(nodes) if self.classic_scale_up else self._sites(),
            "resources": self.cluster.resources,
        }

    def nodes(self) -> list[dict[str, Any]]:
        result = []
        for node in self.cluster.nodes:
            name = node.get("Name")
            attributes = self.cluster.node_attributes(name)
            resources = self.cluster.node_resources(name)
            site = attributes.get(f"{self.prefix}site") or None
            roles = (attributes.get(f"{self.prefix}roles") or "").split(":")
            # Classic scale-up roles read "4:P:master1:master:worker:master", the others "master1:master:worker:master".
            nameserver, indexserver = self._actual_roles(roles)
            if self.classic_scale_up:
                status = hana_status(roles[1] if len(roles) > 1 else None, attributes.get(f"{self.prefix}sync_state"))
            else:
                status = self.site_status(site)
            result.append(
                {
                    "name": name,
                    "status": crm.node_status(node),
                    "attributes": attributes,
                    "resources": resources,
                    "site": site,
                    "hana_status": status,
                    "virtual_ip": self._virtual_ip(resources),
                    "nameserver_actual_role": nameserver,
                    "indexserver_actual_role": indexserver,
                    # Scale-out clusters add a node without HANA (no site) only to keep quorum.
                    "is_majority_maker": self.cluster_type == "hana_scale_out" and not site,
                }
            )
        return result

    def _virtual_ip(self, resources: list[dict[str, Any]]) -> str | None:
        """The ``ip`` of the node's first floating-IP resource, from the first CIB primitive with its id
        (a stand-alone primitive comes before a grouped one)."""
        ip_type = crm.virtual_ip_type(self.provider)
        resource_id = next((r["id"] for r in resources if (r["type"] or "").endswith(ip_type)), None)
        primitive = next(
            (
                p
                for p in self.cluster.cib_primitives
                if p.get("Id") == resource_id and (p.get("Type") or "").endswith(ip_type)
            ),
            {},
        )
        return crm.instance_attributes(primitive).get("ip") or None

    def _actual_roles(self, roles: list[str]) -> tuple[str | None, str | None]:
        if self.classic_scale_up and len(roles) == 6:
            return roles[3] or None, roles[5] or None
        if not self.classic_scale_up and len(roles) == 4:
            return roles[1] or None, roles[3] or None
        return None, None

    def _scale_up_replication(self, nodes: list[dict[str, Any]]) -> dict[str, Any]:
        def first_node_attribute(name: str) -> str:
            """Upstream reads the replication modes from the first node only."""
            return (nodes[0]["attributes"].get(name) if nodes else None) or UNKNOWN

        secondary = next((n for n in nodes if n["hana_status"] in ("Secondary", "Failed")), None)
        return {
            "system_replication_mode": first_node_attribute(f"{self.prefix}srmode"),
            "system_replication_operation_mode": first_node_attribute(f"{self.prefix}op_mode"),
            "secondary_sync_state": (
                secondary["attributes"].get(f"{self.prefix}sync_state", UNKNOWN) if secondary else UNKNOWN
            ),
            "sr_health_state": (
                secondary["attributes"].get(f"{self.prefix}roles", UNKNOWN).split(":")[0] if secondary else UNKNOWN
            ),
        }

    def _site_replication(self) -> dict[str, Any]:
        properties = self.cluster.properties
        if self.architecture == ANGI:
            mode = self.site_property("srMode", self.primary_site, DEFAULT_SCALE_OUT_SR_MODE)
            operation_mode = self.site_property("opMode", self.primary_site, DEFAULT_SCALE_OUT_OPERATION_MODE)
            sync_state = self.site_property("srPoll", self.secondary_site, UNKNOWN)
        else:
            mode = properties.get(f"{self.prefix}glob_srmode", DEFAULT_SCALE_OUT_SR_MODE)
            operation_mode = properties.get(f"{self.prefix}glob_op_mode", DEFAULT_SCALE_OUT_OPERATION_MODE)
            sync_state = properties.get(f"{self.prefix}glob_sync_state", UNKNOWN)
        # glob_sec is written by the SAPHanaSrMultiTarget hook; "-" there names no site, so no state.
        secondary = properties.get(f"{self.prefix}glob_sec", self.secondary_site)
        return {
            "system_replication_mode": mode,
            "system_replication_operation_mode": operation_mode,
            "secondary_sync_state": sync_state,
            "sr_health_state": self.site_property("lss", secondary, UNKNOWN),
        }

    def _scale_up_sites(self, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "name": node["site"],
                "state": node["hana_status"],
                "sr_health_state": (node["attributes"].get(f"{self.prefix}roles") or "").split(":")[0] or None,
            }
            for node in nodes
            if node["site"]
        ]

    def _sites(self) -> list[dict[str, Any]]:
        names = ([self.primary_site] if self.primary_site != UNKNOWN else []) + self.secondary_sites
        return [
            {
                "name": site,
                "state": self.site_status(site),
                "sr_health_state": self.site_property("lss", site, UNKNOWN),
            }
            for site in names
        ]
