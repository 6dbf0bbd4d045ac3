"""Host: one per agent (stream ``host-<host_id>``), spec §4.1.

Software updates: a host with a fully qualified domain name is looked up in SUSE Multi-Linux Manager
(SoftwareUpdatesDiscoveryRequested, when the name appears or changes); whoever asks it completes the
discovery with a health (CompleteSoftwareUpdatesDiscovery), which counts in the host's health until
the discovery is cleared. Roll-up is replaced by the event store's snapshots.
"""

import re
from typing import Any

from apps.eventstore.commands import CommandRejected, applies, event, handles
from apps.eventstore.store import NewEvent
from apps.landscape.aggregates.base import Draft, LandscapeAggregate, read, valid_health
from apps.landscape.aggregates.health import CRITICAL, PASSING, UNKNOWN, WARNING, worst
from apps.landscape.commands import COMMANDS

#: RegisterHost fields kept as the host's details: the netmasks are already in the ip_addresses ("a.b.c.d/nn").
DETAIL_FIELDS = tuple(name for name in COMMANDS["RegisterHost"].fields if name not in ("host_id", "netmasks"))
#: A restore compares the details without the boot time: a host coming back has usually been rebooted.
RESTORE_FIELDS = tuple(name for name in DETAIL_FIELDS if name != "last_boot_timestamp")
MIN_SAPTUNE_VERSION = (3, 1, 0)
_TUNING_HEALTH = {"compliant": PASSING, "not tuned": WARNING, "not compliant": CRITICAL}
#: Software updates health before any discovery completed (or after it was cleared): not counted.
NOT_SET = "not_set"


def _version(text: str | None) -> tuple[int, ...]:
    """Leading numeric parts of a package version ("3.1.0-150500.1.2" → (3, 1, 0)); () if none."""
    match = re.match(r"\d+(?:\.\d+)*", text or "")
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def saptune_health(status: dict[str, Any] | None, sap_running: bool) -> str:
    """Saptune only matters on a host that runs SAP; then it must be a recent saptune, tuned."""
    if not sap_running:
        return PASSING
    if status is None or _version(status.get("package_version")) < MIN_SAPTUNE_VERSION:
        return WARNING
    return _TUNING_HEALTH.get(status.get("tuning_state"), UNKNOWN)


def host_health(checks_health: str | None, saptune_health: str | None, software_updates_health: str) -> str:
    """Worst of the sub-healths; checks and saptune count once known, software updates once discovered
    (an unknown discovery, SUSE Multi-Linux Manager not answering, counts as unknown)."""
    known = [health for health in (checks_health, saptune_health) if health not in (None, UNKNOWN)]
    if software_updates_health != NOT_SET:
        known.append(software_updates_health)
    return worst(known)


class Host(LandscapeAggregate):
    snapshot_schema = 2
    kind = "host"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.host_id: str | None = None
        self.details: dict[str, Any] = {}
        self.heartbeat = UNKNOWN
        self.provider: str | None = None
        self.provider_data: Any = None
        self.subscriptions: list[dict[str, Any]] = []
        self.saptune_status: dict[str, Any] | None = None
        self.saptune_health: str | None = None
        self.software_updates_health = NOT_SET
        self.selected_checks: list[str] = []
        self.checks_health: str | None = None
        self.health = UNKNOWN
        self.deregistration_requested_at: str | None = None

    @property
    def registered(self) -> bool:
        return self.host_id is not None

    # --- decisions -------------------------------------------------------------------------------

    @handles("RegisterHost")
    def register(self, payload: dict[str, Any]) -> list[NewEvent]:
        data = read("RegisterHost", payload)
        details = {name: data[name] for name in DETAIL_FIELDS}
        host_id, fqdn = data["host_id"], data["fully_qualified_domain_name"]
        if not self.registered:
            registered = event("HostRegistered", host_id=host_id, **details, heartbeat=UNKNOWN, health=UNKNOWN)
            return [registered, *self._software_updates_discovery(host_id, None, fqdn)]
        draft = Draft(self)
        if self.deregistered_at is not None:
            draft.emit("HostRestored", host_id=host_id)
            if any(details[name] != self.details.get(name) for name in RESTORE_FIELDS):
                draft.emit("HostDetailsUpdated", host_id=host_id, **details)
            return [*draft.events, *self._software_updates_discovery(host_id, None, fqdn)]
        if details == self.details:
            return []
        draft.emit("HostDetailsUpdated", host_id=host_id, **details)
        return [
            *draft.events,
            *self._software_updates_discovery(host_id, self.details.get("fully_qualified_domain_name"), fqdn),
        ]

    @staticmethod
    def _software_updates_discovery(host_id: str, old_fqdn: str | None, new_fqdn: str | None) -> list[NewEvent]:
        """A new name is looked up in SUSE Multi-Linux Manager; a host that lost its name has nothing to look up."""
        if new_fqdn == old_fqdn:
            return []
        if new_fqdn is None:
            return [event("SoftwareUpdatesDiscoveryCleared", host_id=host_id)]
        return [event("SoftwareUpdatesDiscoveryRequested", host_id=host_id, fully_qualified_domain_name=new_fqdn)]

    @handles("UpdateHeartbeat")
    def update_heartbeat(self, payload: dict[str, Any]) -> list[NewEvent]:
        """Only transitions are events; the heartbeat marks data stale, it is not part of health."""
        self.require_registered()
        heartbeat = payload.get("heartbeat")
        if heartbeat not in (PASSING, CRITICAL):
            raise CommandRejected("invalid_heartbeat", f"A heartbeat is passing or critical, not {heartbeat!r}.")
        if heartbeat == self.heartbeat:
            return []
        return [event("HeartbeatSucceeded" if heartbeat == PASSING else "HeartbeatFailed", host_id=self.host_id)]

    @handles("UpdateProvider")
    def update_provider(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        data = read("UpdateProvider", payload)
        if (data["provider"], data["provider_data"]) == (self.provider, self.provider_data):
            return []
        return [
            event(
                "ProviderUpdated", host_id=self.host_id, provider=data["provider"], provider_data=data["provider_data"]
            )
        ]

    @handles("UpdateSlesSubscriptions")
    def update_subscriptions(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        subscriptions = read("UpdateSlesSubscriptions", payload)["subscriptions"] or []
        if subscriptions == self.subscriptions:
            return []
        return [event("SlesSubscriptionsUpdated", host_id=self.host_id, subscriptions=subscriptions)]

    @handles("UpdateSaptuneStatus")
    def update_saptune_status(self, payload: dict[str, Any]) -> list[NewEvent]:
        """An installed saptune that reports no status is known by its version only."""
        self.require_registered()
        data = read("UpdateSaptuneStatus", payload)
        status = data["status"]
        if status is None and data["saptune_installed"]:
            status = {"package_version": data["package_version"]}
            unchanged = (self.saptune_status or {}).get("package_version") == data["package_version"]
        else:
            unchanged = status == self.saptune_status
        draft = Draft(self)
        if not unchanged:
            draft.emit("SaptuneStatusUpdated", host_id=self.host_id, status=status)
        health = saptune_health(draft.state.saptune_status, bool(data["sap_running"]))
        if health != self.saptune_health:
            draft.emit("HostSaptuneHealthChanged", host_id=self.host_id, saptune_health=health)
        return self._with_health(draft)

    @handles("SelectHostChecks")
    def select_checks(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        checks = read("SelectHostChecks", payload)["checks"] or []
        if checks == self.selected_checks:
            return []
        return [event("HostChecksSelected", host_id=self.host_id, checks=checks)]

    @handles("CompleteHostChecksExecution")
    def complete_checks_execution(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        health = valid_health(payload.get("health"))
        draft = Draft(self)
        if health != self.checks_health:
            draft.emit("HostChecksHealthChanged", host_id=self.host_id, checks_health=health)
        return self._with_health(draft)

    @handles("RequestHostDeregistration")
    def request_deregistration(self, payload: dict[str, Any]) -> list[NewEvent]:
        """Only a host whose agent stopped beating can go; the sender knows the last heartbeat."""
        self.require_registered()
        data = read("RequestHostDeregistration", payload)
        if (data["heartbeat"] or self.heartbeat) == PASSING:
            raise CommandRejected("host_alive", "The host is still sending heartbeats.")
        return [event("HostDeregistrationRequested", host_id=self.host_id, requested_at=data["requested_at"])]

    @handles("DeregisterHost")
    def deregister(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        deregistered_at = read("DeregisterHost", payload)["deregistered_at"]
        return [
            event("SoftwareUpdatesDiscoveryCleared", host_id=self.host_id),
            event("HostDeregistered", host_id=self.host_id, deregistered_at=deregistered_at),
            event("HostTombstoned", host_id=self.host_id),
        ]

    @handles("CompleteSoftwareUpdatesDiscovery")
    def complete_software_updates_discovery(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        health = valid_health(read("CompleteSoftwareUpdatesDiscovery", payload)["health"])
        draft = Draft(self)
        if health != self.software_updates_health:
            draft.emit("SoftwareUpdatesHealthChanged", host_id=self.host_id, health=health)
        return self._with_health(draft)

    @handles("ClearSoftwareUpdatesDiscovery")
    def clear_software_updates_discovery(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        if self.software_updates_health == NOT_SET:
            return []
        return self._with_health(Draft(self).emit("SoftwareUpdatesDiscoveryCleared", host_id=self.host_id))

    def _with_health(self, draft: Draft["Host"]) -> list[NewEvent]:
        """Append HostHealthChanged when the decided sub-healths move the overall health."""
        state = draft.state
        health = host_health(state.checks_health, state.saptune_health, state.software_updates_health)
        if health != state.health:
            draft.emit("HostHealthChanged", host_id=self.host_id, health=health)
        return draft.events

    # --- folds -----------------------------------------------------------------------------------

    @applies("HostRegistered")
    def _registered(self, data: dict[str, Any]) -> None:
        self.host_id = data["host_id"]
        self.details = {name: data.get(name) for name in DETAIL_FIELDS}
        self.heartbeat = data["heartbeat"]
        self.health = data["health"]

    @applies("HostDetailsUpdated")
    def _details_updated(self, data: dict[str, Any]) -> None:
        self.details = {name: data.get(name) for name in DETAIL_FIELDS}

    @applies("HostRestored")
    def _restored(self, data: dict[str, Any]) -> None:
        self.deregistered_at = None
        self.deregistration_requested_at = None

    @applies("HeartbeatSucceeded")
    def _heartbeat_succeeded(self, data: dict[str, Any]) -> None:
        self.heartbeat = PASSING

    @applies("HeartbeatFailed")
    def _heartbeat_failed(self, data: dict[str, Any]) -> None:
        self.heartbeat = CRITICAL

    @applies("ProviderUpdated")
    def _provider_updated(self, data: dict[str, Any]) -> None:
        self.provider, self.provider_data = data["provider"], data["provider_data"]

    @applies("SlesSubscriptionsUpdated")
    def _subscriptions_updated(self, data: dict[str, Any]) -> None:
        self.subscriptions = data["subscriptions"]

    @applies("SaptuneStatusUpdated")
    def _saptune_updated(self, data: dict[str, Any]) -> None:
        self.saptune_status = data["status"]

    @applies("HostSaptuneHealthChanged")
    def _saptune_health_changed(self, data: dict[str, Any]) -> None:
        self.saptune_health = data["saptune_health"]

    @applies("HostChecksSelected")
    def _checks_selected(self, data: dict[str, Any]) -> None:
        self.selected_checks = data["checks"]

    @applies("HostChecksHealthChanged")
    def _checks_health_changed(self, data: dict[str, Any]) -> None:
        self.checks_health = data["checks_health"]

    @applies("SoftwareUpdatesHealthChanged")
    def _software_updates_health_changed(self, data: dict[str, Any]) -> None:
        self.software_updates_health = data["health"]

    @applies("SoftwareUpdatesDiscoveryCleared")
    def _software_updates_cleared(self, data: dict[str, Any]) -> None:
        self.software_updates_health = NOT_SET

    @applies("HostHealthChanged")
    def _health_changed(self, data: dict[str, Any]) -> None:
        self.health = data["health"]

    @applies("HostDeregistrationRequested")
    def _deregistration_requested(self, data: dict[str, Any]) -> None:
        self.deregistration_requested_at = data["requested_at"]

    @applies("HostDeregistered")
    def _deregistered(self, data: dict[str, Any]) -> None:
        self.deregistered_at = data["deregistered_at"]
