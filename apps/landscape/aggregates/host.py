"""Host: one per agent (stream ``host-<host_id>``), spec §4.1.

Not implemented: the SUSE Manager software-updates part (SoftwareUpdatesDiscovery* events and
CompleteSoftwareUpdatesDiscovery); there is no SUSE Manager here, so the host health is the worst of
checks and saptune only. Roll-up is replaced by the event store's snapshots.
"""

import re
from typing import Any

from apps.eventstore.commands import CommandRejected, applies, event, handles
from apps.eventstore.store import NewEvent
from apps.landscape.aggregates.base import Draft, LandscapeAggregate, read, valid_health
from apps.landscape.aggregates.health import CRITICAL, PASSING, UNKNOWN, WARNING, worst_known
from apps.landscape.commands import COMMANDS

#: RegisterHost fields kept as the host's details (everything but the id).
DETAIL_FIELDS = tuple(name for name in COMMANDS["RegisterHost"].fields if name != "host_id")
SAPTUNE_FIELDS = ("saptune_installed", "package_version", "status")
MIN_SAPTUNE_VERSION = (3, 1, 0)
_TUNING_HEALTH = {"compliant": PASSING, "not tuned": WARNING, "not compliant": CRITICAL}


def _version(text: str | None) -> tuple[int, ...]:
    """Leading numeric parts of a package version ("3.1.0-150500.1.2" → (3, 1, 0)); () if none."""
    match = re.match(r"\d+(?:\.\d+)*", text or "")
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def saptune_health(saptune: dict[str, Any], sap_running: bool) -> str:
    """Saptune only matters on a host that runs SAP; then it must be a recent saptune, tuned."""
    if not sap_running:
        return PASSING
    if not saptune["saptune_installed"] or _version(saptune["package_version"]) < MIN_SAPTUNE_VERSION:
        return WARNING
    tuning_state = (saptune["status"] or {}).get("tuning_state")
    return _TUNING_HEALTH.get(tuning_state, UNKNOWN)


class Host(LandscapeAggregate):
    snapshot_schema = 1
    kind = "host"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.host_id: str | None = None
        self.details: dict[str, Any] = {}
        self.heartbeat = UNKNOWN
        self.provider: str | None = None
        self.provider_data: Any = None
        self.subscriptions: list[dict[str, Any]] = []
        self.saptune: dict[str, Any] | None = None
        self.saptune_health: str | None = None
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
        host_id = data["host_id"]
        if not self.registered:
            return [event("HostRegistered", host_id=host_id, **details, heartbeat=UNKNOWN)]
        draft = Draft(self)
        if self.deregistered_at is not None:
            draft.emit("HostRestored", host_id=host_id)
        if details != self.details:
            draft.emit("HostDetailsUpdated", host_id=host_id, **details)
        return draft.events

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
        self.require_registered()
        data = read("UpdateSaptuneStatus", payload)
        saptune = {name: data[name] for name in SAPTUNE_FIELDS}
        draft = Draft(self)
        if saptune != self.saptune:
            draft.emit("SaptuneStatusUpdated", host_id=self.host_id, **saptune)
        health = saptune_health(saptune, bool(data["sap_running"]))
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
            event("HostDeregistered", host_id=self.host_id, deregistered_at=deregistered_at),
            event("HostTombstoned", host_id=self.host_id),
        ]

    def _with_health(self, draft: Draft["Host"]) -> list[NewEvent]:
        """Append HostHealthChanged when the decided sub-healths move the overall health."""
        health = worst_known([draft.state.checks_health, draft.state.saptune_health])
        if health != draft.state.health:
            draft.emit("HostHealthChanged", host_id=self.host_id, health=health)
        return draft.events

    # --- folds -----------------------------------------------------------------------------------

    @applies("HostRegistered")
    def _registered(self, data: dict[str, Any]) -> None:
        self.host_id = data["host_id"]
        self.details = {name: data.get(name) for name in DETAIL_FIELDS}
        self.heartbeat = data["heartbeat"]

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
        self.saptune = {name: data.get(name) for name in SAPTUNE_FIELDS}

    @applies("HostSaptuneHealthChanged")
    def _saptune_health_changed(self, data: dict[str, Any]) -> None:
        self.saptune_health = data["saptune_health"]

    @applies("HostChecksSelected")
    def _checks_selected(self, data: dict[str, Any]) -> None:
        self.selected_checks = data["checks"]

    @applies("HostChecksHealthChanged")
    def _checks_health_changed(self, data: dict[str, Any]) -> None:
        self.checks_health = data["checks_health"]

    @applies("HostHealthChanged")
    def _health_changed(self, data: dict[str, Any]) -> None:
        self.health = data["health"]

    @applies("HostDeregistrationRequested")
    def _deregistration_requested(self, data: dict[str, Any]) -> None:
        self.deregistration_requested_at = data["requested_at"]

    @applies("HostDeregistered")
    def _deregistered(self, data: dict[str, Any]) -> None:
        self.deregistered_at = data["deregistered_at"]
