"""Cluster: one stream shared by all nodes of a Pacemaker cluster (``cluster-<cluster_id>``), spec §4.2.

Every node reports the cluster every 10 s, so only the designated controller (DC) is trusted for
the cluster-wide details and the discovered healths; any other node only adds itself and reports
its own online/offline status. Roll-up is replaced by the event store's snapshots.
"""

from typing import Any

from apps.eventstore.commands import applies, event, handles
from apps.eventstore.store import NewEvent
from apps.landscape.aggregates.base import Draft, LandscapeAggregate, read, valid_health
from apps.landscape.aggregates.health import CRITICAL, PASSING, UNKNOWN, worst

ONLINE, OFFLINE, STOPPED = "online", "offline", "stopped"
HANA_TYPES = ("hana_scale_up", "hana_scale_out")
ASCS_ERS = "ascs_ers"
#: RegisterOnlineClusterHost fields that make the cluster's details (ClusterRegistered/DetailsUpdated).
INFO_FIELDS = ("name", "type", "state", "provider", "sap_instances", "resources_number", "hosts_number", "details")
#: What a first report by a node other than the DC (or an offline one) says of the cluster's details.
UNKNOWN_INFO = {
    **dict.fromkeys(INFO_FIELDS),
    "type": UNKNOWN,
    "provider": UNKNOWN,
    "state": UNKNOWN,
    "sap_instances": [],
}
#: Discovered sub-health → the event that announces its change.
DISCOVERED_HEALTH_EVENTS = {
    "replication_health": "ClusterReplicationHealthChanged",
    "distributed_health": "ClusterDistributedHealthChanged",
    "sbd_health": "ClusterSbdHealthChanged",
}


def _missing(value: Any) -> bool:
    """Policies say "Unknown" where the CIB has no such attribute."""
    return value is None or str(value).lower() in ("", "unknown")


def discovered_healths(info: dict[str, Any]) -> dict[str, str | None]:
    """The healths read from the DC's details; ``None`` where they do not apply to the cluster type.

    replication (HANA): passing iff the landscape status is 4 and the secondary is in sync (SOK),
    unknown when either is missing;
    distributed (ASCS/ERS): critical when some SAP system runs ASCS and ERS on the same node;
    sbd: critical when a device is not healthy, unknown without devices.
    """
    details = info.get("details") or {}
    replication = distributed = None
    if info.get("type") in HANA_TYPES:
        sr_state, sync_state = details.get("sr_health_state"), details.get("secondary_sync_state")
        if _missing(sr_state) or _missing(sync_state):
            replication = UNKNOWN
        else:
            replication = PASSING if (str(sr_state), sync_state) == ("4", "SOK") else CRITICAL
    if info.get("type") == ASCS_ERS:
        systems = details.get("sap_systems") or []
        distributed = (PASSING if all(s.get("distributed") for s in systems) else CRITICAL) if systems else UNKNOWN
    devices = details.get("sbd_devices") or []
    if not devices:
        sbd = UNKNOWN
    else:
        sbd = PASSING if all(device.get("status") == "healthy" for device in devices) else CRITICAL
    return {"replication_health": replication, "distributed_health": distributed, "sbd_health": sbd}


def cluster_health(replication: str | None, distributed: str | None, sbd: str | None, checks: str | None) -> str:
    """Worst of the sub-healths; unknown checks or SBD health do not count ("none selected", "no SBD")."""
    optional = [health for health in (checks, sbd) if health != UNKNOWN]
    return worst([replication, distributed, *optional])


class Cluster(LandscapeAggregate):
    snapshot_schema = 2
    kind = "cluster"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.cluster_id: str | None = None
        self.info: dict[str, Any] = dict.fromkeys(INFO_FIELDS)
        #: host_id → online | offline
        self.hosts: dict[str, str] = {}
        self.stale_hosts: list[str] = []
        self.stale_at: str | None = None
        self.replication_health: str | None = None
        self.distributed_health: str | None = None
        self.sbd_health: str | None = None
        self.selected_checks: list[str] = []
        self.checks_health: str | None = None
        self.health = UNKNOWN

    @property
    def registered(self) -> bool:
        return self.cluster_id is not None

    # --- decisions -------------------------------------------------------------------------------

    @handles("RegisterOnlineClusterHost")
    def register_online_host(self, payload: dict[str, Any]) -> list[NewEvent]:
        data = read("RegisterOnlineClusterHost", payload)
        info = {name: data[name] for name in INFO_FIELDS}
        is_dc = bool(data["designated_controller"])
        if not self.registered:
            first = info if is_dc else {**UNKNOWN_INFO, "name": data["name"]}
            return self._register(data["cluster_id"], first, data["host_id"], ONLINE)
        draft = self._restoring(data["cluster_id"])
        self._report_host(draft, data["host_id"], ONLINE)
        if is_dc:
            if info != draft.state.info:
                draft.emit("ClusterDetailsUpdated", cluster_id=draft.state.cluster_id, **info)
            self._discovered(draft, discovered_healths(info))
        return self._with_health(draft)

    @handles("RegisterOfflineClusterHost")
    def register_offline_host(self, payload: dict[str, Any]) -> list[NewEvent]:
        data = read("RegisterOfflineClusterHost", payload)
        if not self.registered:
            return self._register(data["cluster_id"], {**UNKNOWN_INFO, "name": data["name"]}, data["host_id"], OFFLINE)
        draft = self._restoring(data["cluster_id"])
        self._report_host(draft, data["host_id"], OFFLINE)
        self._stop_when_all_offline(draft)
        return self._with_health(draft)

    @handles("DeregisterClusterHost")
    def deregister_host(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        data = read("DeregisterClusterHost", payload)
        if data["host_id"] not in self.hosts:
            return []
        draft = Draft(self).emit(
            "HostRemovedFromCluster",
            cluster_id=self.cluster_id,
            host_id=data["host_id"],
            deregistered_at=data["deregistered_at"],
        )
        self._clear_cluster_staleness(draft)
        if not draft.state.hosts:
            draft.emit("ClusterDeregistered", cluster_id=self.cluster_id, deregistered_at=data["deregistered_at"])
            draft.emit("ClusterTombstoned", cluster_id=self.cluster_id)
            return draft.events
        self._stop_when_all_offline(draft)
        return self._with_health(draft)

    @handles("MarkClusterHostStale")
    def mark_host_stale(self, payload: dict[str, Any]) -> list[NewEvent]:
        """The first stale host makes the whole cluster's data stale."""
        self.require_registered()
        data = read("MarkClusterHostStale", payload)
        host_id, stale_at = data["host_id"], data["stale_at"]
        if host_id not in self.hosts or host_id in self.stale_hosts:
            return []
        draft = Draft(self)
        draft.emit("ClusterHostDataMarkedStale", cluster_id=self.cluster_id, host_id=host_id, stale_at=stale_at)
        if self.stale_at is None:
            draft.emit("ClusterDataMarkedStale", cluster_id=self.cluster_id, stale_at=stale_at)
        return draft.events

    @handles("SelectChecks")
    def select_checks(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        checks = read("SelectChecks", payload)["checks"] or []
        if checks == self.selected_checks:
            return []
        return Draft(self).emit("ChecksSelected", cluster_id=self.cluster_id, checks=checks).events

    @handles("CompleteChecksExecution")
    def complete_checks_execution(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        health = valid_health(payload.get("health"))
        draft = Draft(self)
        if health != self.checks_health:
            draft.emit("ClusterChecksHealthChanged", cluster_id=self.cluster_id, checks_health=health)
        return self._with_health(draft)

    # --- rules shared by the decisions -----------------------------------------------------------

    @staticmethod
    def _register(cluster_id: str, info: dict[str, Any], host_id: str, status: str) -> list[NewEvent]:
        """The first message from any node registers the cluster with its healths (DC) or unknown details.

        As upstream, a sub-health that does not apply to the cluster's type reads unknown in the event.
        """
        discovered = discovered_healths(info)
        health = cluster_health(**{name.removesuffix("_health"): h for name, h in discovered.items()}, checks=UNKNOWN)
        health_details = {**{name: h or UNKNOWN for name, h in discovered.items()}, "checks_health": UNKNOWN}
        return [
            NewEvent(
                "ClusterRegistered",
                {"cluster_id": cluster_id, **info, "health": health, "health_details": health_details},
            ),
            event("HostAddedToCluster", cluster_id=cluster_id, host_id=host_id, cluster_host_status=status),
        ]

    def _restoring(self, cluster_id: str) -> Draft["Cluster"]:
        """A report after the cluster was deregistered restores it."""
        draft = Draft(self)
        if self.deregistered_at is not None:
            draft.emit("ClusterRestored", cluster_id=cluster_id)
        return draft

    def _report_host(self, draft: Draft["Cluster"], host_id: str, status: str) -> None:
        """A node's own report: membership, status, and its data back in sync."""
        cluster_id = draft.state.cluster_id
        if host_id not in draft.state.hosts:
            draft.emit("HostAddedToCluster", cluster_id=cluster_id, host_id=host_id, cluster_host_status=status)
        elif draft.state.hosts[host_id] != status:
            draft.emit("ClusterHostStatusChanged", cluster_id=cluster_id, host_id=host_id, cluster_host_status=status)
        if host_id in draft.state.stale_hosts:
            draft.emit("ClusterHostDataMarkedInSync", cluster_id=cluster_id, host_id=host_id)
            self._clear_cluster_staleness(draft)

    @staticmethod
    def _clear_cluster_staleness(draft: Draft["Cluster"]) -> None:
        """The last host back in sync (or gone) clears the cluster's staleness."""
        if draft.state.stale_at is not None and not draft.state.stale_hosts:
            draft.emit("ClusterDataMarkedInSync", cluster_id=draft.state.cluster_id)

    def _stop_when_all_offline(self, draft: Draft["Cluster"]) -> None:
        """No node online: the cluster is stopped and nothing discovered about it can be trusted."""
        state = draft.state
        if not state.hosts or ONLINE in state.hosts.values() or state.info["state"] == STOPPED:
            return
        draft.emit("ClusterDetailsUpdated", cluster_id=state.cluster_id, **{**state.info, "state": STOPPED})
        applicable = discovered_healths(state.info)
        self._discovered(draft, {name: UNKNOWN if value else None for name, value in applicable.items()})

    @staticmethod
    def _discovered(draft: Draft["Cluster"], healths: dict[str, str | None]) -> None:
        for name, health in healths.items():
            if health != getattr(draft.state, name):
                draft.emit(DISCOVERED_HEALTH_EVENTS[name], cluster_id=draft.state.cluster_id, **{name: health})

    @staticmethod
    def _with_health(draft: Draft["Cluster"]) -> list[NewEvent]:
        state = draft.state
        health = cluster_health(
            state.replication_health, state.distributed_health, state.sbd_health, state.checks_health
        )
        if health != state.health:
            draft.emit("ClusterHealthChanged", cluster_id=state.cluster_id, health=health)
        return draft.events

    # --- folds -----------------------------------------------------------------------------------

    @applies("ClusterRegistered")
    def _registered(self, data: dict[str, Any]) -> None:
        self.cluster_id = data["cluster_id"]
        self.info = {name: data.get(name) for name in INFO_FIELDS}
        self.health = data["health"]
        health_details = data["health_details"] or {}
        # Sub-healths that do not apply to the cluster's type stay None: they never weigh in its health.
        for name, discovered in discovered_healths(self.info).items():
            setattr(self, name, None if discovered is None else health_details.get(name))
        self.checks_health = health_details.get("checks_health")

    @applies("ClusterDetailsUpdated")
    def _details_updated(self, data: dict[str, Any]) -> None:
        self.info = {name: data.get(name) for name in INFO_FIELDS}

    @applies("HostAddedToCluster")
    def _host_added(self, data: dict[str, Any]) -> None:
        self.hosts = {**self.hosts, data["host_id"]: data["cluster_host_status"]}

    @applies("ClusterHostStatusChanged")
    def _host_status_changed(self, data: dict[str, Any]) -> None:
        self.hosts = {**self.hosts, data["host_id"]: data["cluster_host_status"]}

    @applies("HostRemovedFromCluster")
    def _host_removed(self, data: dict[str, Any]) -> None:
        self.hosts = {host: status for host, status in self.hosts.items() if host != data["host_id"]}
        self.stale_hosts = [host for host in self.stale_hosts if host != data["host_id"]]

    @applies("ClusterHostDataMarkedStale")
    def _host_stale(self, data: dict[str, Any]) -> None:
        self.stale_hosts = [*self.stale_hosts, data["host_id"]]

    @applies("ClusterHostDataMarkedInSync")
    def _host_in_sync(self, data: dict[str, Any]) -> None:
        self.stale_hosts = [host for host in self.stale_hosts if host != data["host_id"]]

    @applies("ClusterDataMarkedStale")
    def _stale(self, data: dict[str, Any]) -> None:
        self.stale_at = data["stale_at"]

    @applies("ClusterDataMarkedInSync")
    def _in_sync(self, data: dict[str, Any]) -> None:
        self.stale_at = None

    @applies("ClusterReplicationHealthChanged")
    def _replication_health(self, data: dict[str, Any]) -> None:
        self.replication_health = data["replication_health"]

    @applies("ClusterDistributedHealthChanged")
    def _distributed_health(self, data: dict[str, Any]) -> None:
        self.distributed_health = data["distributed_health"]

    @applies("ClusterSbdHealthChanged")
    def _sbd_health(self, data: dict[str, Any]) -> None:
        self.sbd_health = data["sbd_health"]

    @applies("ChecksSelected")
    def _checks_selected(self, data: dict[str, Any]) -> None:
        self.selected_checks = data["checks"]

    @applies("ClusterChecksHealthChanged")
    def _checks_health(self, data: dict[str, Any]) -> None:
        self.checks_health = data["checks_health"]

    @applies("ClusterHealthChanged")
    def _health(self, data: dict[str, Any]) -> None:
        self.health = data["health"]

    @applies("ClusterDeregistered")
    def _deregistered(self, data: dict[str, Any]) -> None:
        self.deregistered_at = data["deregistered_at"]

    @applies("ClusterRestored")
    def _restored(self, data: dict[str, Any]) -> None:
        self.deregistered_at = None
