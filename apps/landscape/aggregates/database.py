"""Database: one HANA system (stream ``database-<database_id>``) and its instances, spec §4.3.

A database exists because of a primary (or a non-replicated) instance: a secondary alone is only a
replica of something not discovered yet, so it is refused until the primary has been seen (the next
discovery retries it). Instance-level commands keep working on a deregistered database so that the
host deregistration cascade can remove the remaining instances and tombstone it.
Not covered: changes of an instance's hostname, ports, features or start priority emit nothing
(the spec names no event for them); roll-up is replaced by the event store's snapshots.
"""

from typing import Any

from apps.eventstore.commands import CommandRejected, applies, handles
from apps.eventstore.store import NewEvent
from apps.landscape.aggregates.base import Draft, LandscapeAggregate, read
from apps.landscape.aggregates.health import UNKNOWN, from_dispstatus, worst

SECONDARY = "Secondary"
INSTANCE_FIELDS = ("instance_hostname", "features", "http_port", "https_port", "start_priority")
SR_FIELDS = (
    "system_replication",
    "system_replication_status",
    "system_replication_site",
    "system_replication_site_id",
    "system_replication_mode",
    "system_replication_operation_mode",
    "system_replication_source_site",
    "system_replication_tier",
)


def _by_name(tenants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tenants compare as a set: the agent may list them in any order."""
    return sorted(tenants, key=lambda tenant: str(tenant.get("name")))


class Database(LandscapeAggregate):
    snapshot_schema = 2
    kind = "database"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.database_id: str | None = None
        self.sid: str | None = None
        self.tenants: list[dict[str, Any]] = []
        self.health = UNKNOWN
        #: {host_id, instance_number, *INSTANCE_FIELDS, health, *SR_FIELDS, absent_at, stale_at}
        self.instances: list[dict[str, Any]] = []
        self.stale_at: str | None = None

    @property
    def registered(self) -> bool:
        return self.database_id is not None

    def instance(self, host_id: str, instance_number: str) -> dict[str, Any] | None:
        return next(
            (i for i in self.instances if (i["host_id"], i["instance_number"]) == (host_id, instance_number)), None
        )

    # --- decisions -------------------------------------------------------------------------------

    @handles("RegisterDatabaseInstance")
    def register_instance(self, payload: dict[str, Any]) -> list[NewEvent]:
        data = read("RegisterDatabaseInstance", payload)
        database_id, host_id, number = data["database_id"], data["host_id"], data["instance_number"]
        health = from_dispstatus(data["dispstatus"])
        secondary = data["system_replication"] == SECONDARY
        restoring = self.registered and self.deregistered_at is not None
        if (not self.registered or restoring) and secondary:
            raise CommandRejected(
                "database_not_registered", "A system replication secondary cannot register its database."
            )
        draft = Draft(self)
        if not self.registered:
            draft.emit("DatabaseRegistered", database_id=database_id, sid=data["sid"], health=health)
        database_id = draft.state.database_id
        key = {"database_id": database_id, "host_id": host_id, "instance_number": number}
        replication = {name: data[name] for name in SR_FIELDS}
        existing = draft.state.instance(host_id, number)
        if existing is None:
            instance = {name: data[name] for name in INSTANCE_FIELDS}
            draft.emit("DatabaseInstanceRegistered", **key, sid=data["sid"], **instance, health=health, **replication)
        else:
            if existing["health"] != health:
                draft.emit("DatabaseInstanceStatusChanged", **key, health=health)
            # .get: instances folded before system_replication_site_id existed lack it.
            if {name: existing.get(name) for name in SR_FIELDS} != replication:
                draft.emit("DatabaseInstanceSystemReplicationChanged", **key, **replication)
            if existing["absent_at"] is not None:
                draft.emit("DatabaseInstanceMarkedPresent", **key)
            if existing["stale_at"] is not None:
                draft.emit("DatabaseInstanceDataMarkedInSync", **key)
                self._clear_staleness(draft)
        if restoring:
            draft.emit("DatabaseRestored", database_id=database_id, health=health)
        self._with_health(draft)
        # The primary's tenant list is authoritative; a replica's view must not flip it back and forth.
        tenants = data["tenants"]
        if tenants is not None and not secondary and _by_name(tenants) != _by_name(draft.state.tenants):
            draft.emit(
                "DatabaseTenantsUpdated", database_id=database_id, tenants=tenants, previous_tenants=draft.state.tenants
            )
        return draft.events

    @handles("MarkDatabaseInstanceAbsent")
    def mark_instance_absent(self, payload: dict[str, Any]) -> list[NewEvent]:
        data = read("MarkDatabaseInstanceAbsent", payload)
        if self._existing(data)["absent_at"] is not None:
            return []
        return Draft(self).emit("DatabaseInstanceMarkedAbsent", **self._key(data), absent_at=data["absent_at"]).events

    @handles("MarkDatabaseInstanceDataStale")
    def mark_instance_stale(self, payload: dict[str, Any]) -> list[NewEvent]:
        """The first stale instance makes the database's data stale."""
        data = read("MarkDatabaseInstanceDataStale", payload)
        if self._existing(data)["stale_at"] is not None:
            return []
        draft = Draft(self).emit("DatabaseInstanceDataMarkedStale", **self._key(data), stale_at=data["stale_at"])
        if self.stale_at is None:
            draft.emit("DatabaseDataMarkedStale", database_id=self.database_id, stale_at=data["stale_at"])
        return draft.events

    @handles("DeregisterDatabaseInstance")
    def deregister_instance(self, payload: dict[str, Any]) -> list[NewEvent]:
        """Without instances, or with only replicas left, there is no database any more."""
        data = read("DeregisterDatabaseInstance", payload)
        self._existing(data)
        at = data["deregistered_at"]
        draft = Draft(self).emit("DatabaseInstanceDeregistered", **self._key(data), deregistered_at=at)
        self._clear_staleness(draft)
        remaining = draft.state.instances
        if self.deregistered_at is None:
            if all(i["system_replication"] == SECONDARY for i in remaining):
                draft.emit("DatabaseDeregistered", database_id=self.database_id, deregistered_at=at)
            else:
                self._with_health(draft)
        if not remaining:
            draft.emit("DatabaseTombstoned", database_id=self.database_id)
        return draft.events

    # --- rules shared by the decisions -----------------------------------------------------------

    def _existing(self, data: dict[str, Any]) -> dict[str, Any]:
        if not self.registered:
            raise CommandRejected("database_not_registered", "The database is not registered.")
        instance = self.instance(data["host_id"], data["instance_number"])
        if instance is None:
            raise CommandRejected(
                "database_instance_not_registered",
                f"No instance {data['instance_number']} on host {data['host_id']} in this database.",
            )
        return instance

    def _key(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"database_id": self.database_id, "host_id": data["host_id"], "instance_number": data["instance_number"]}

    @staticmethod
    def _clear_staleness(draft: Draft["Database"]) -> None:
        state = draft.state
        if state.stale_at is not None and all(i["stale_at"] is None for i in state.instances):
            draft.emit("DatabaseDataMarkedInSync", database_id=state.database_id)

    @staticmethod
    def _with_health(draft: Draft["Database"]) -> list[NewEvent]:
        """Database health: the worst of its instances' (dispstatus) healths."""
        health = worst(i["health"] for i in draft.state.instances)
        if health != draft.state.health:
            draft.emit("DatabaseHealthChanged", database_id=draft.state.database_id, health=health)
        return draft.events

    def _replace(self, data: dict[str, Any], **changes: Any) -> None:
        key = (data["host_id"], data["instance_number"])
        self.instances = [
            {**i, **changes} if (i["host_id"], i["instance_number"]) == key else i for i in self.instances
        ]

    # --- folds -----------------------------------------------------------------------------------

    @applies("DatabaseRegistered")
    def _registered(self, data: dict[str, Any]) -> None:
        self.database_id, self.sid, self.health = data["database_id"], data["sid"], data["health"]

    @applies("DatabaseRestored")
    def _restored(self, data: dict[str, Any]) -> None:
        self.deregistered_at = None
        if data["health"] is not None:
            self.health = data["health"]

    @applies("DatabaseTenantsUpdated")
    def _tenants_updated(self, data: dict[str, Any]) -> None:
        self.tenants = data["tenants"]

    @applies("DatabaseInstanceRegistered")
    def _instance_registered(self, data: dict[str, Any]) -> None:
        fields = ("host_id", "instance_number", *INSTANCE_FIELDS, "health", *SR_FIELDS)
        instance = {name: data.get(name) for name in fields}
        self.instances = [*self.instances, {**instance, "absent_at": None, "stale_at": None}]

    @applies("DatabaseInstanceStatusChanged")
    def _instance_status_changed(self, data: dict[str, Any]) -> None:
        self._replace(data, health=data["health"])

    @applies("DatabaseInstanceSystemReplicationChanged")
    def _instance_replication_changed(self, data: dict[str, Any]) -> None:
        self._replace(data, **{name: data.get(name) for name in SR_FIELDS})

    @applies("DatabaseInstanceMarkedAbsent")
    def _instance_absent(self, data: dict[str, Any]) -> None:
        self._replace(data, absent_at=data["absent_at"])

    @applies("DatabaseInstanceMarkedPresent")
    def _instance_present(self, data: dict[str, Any]) -> None:
        self._replace(data, absent_at=None)

    @applies("DatabaseInstanceDataMarkedStale")
    def _instance_stale(self, data: dict[str, Any]) -> None:
        self._replace(data, stale_at=data["stale_at"])

    @applies("DatabaseInstanceDataMarkedInSync")
    def _instance_in_sync(self, data: dict[str, Any]) -> None:
        self._replace(data, stale_at=None)

    @applies("DatabaseDataMarkedStale")
    def _stale(self, data: dict[str, Any]) -> None:
        self.stale_at = data["stale_at"]

    @applies("DatabaseDataMarkedInSync")
    def _in_sync(self, data: dict[str, Any]) -> None:
        self.stale_at = None

    @applies("DatabaseHealthChanged")
    def _health_changed(self, data: dict[str, Any]) -> None:
        self.health = data["health"]

    @applies("DatabaseInstanceDeregistered")
    def _instance_deregistered(self, data: dict[str, Any]) -> None:
        key = (data["host_id"], data["instance_number"])
        self.instances = [i for i in self.instances if (i["host_id"], i["instance_number"]) != key]

    @applies("DatabaseDeregistered")
    def _deregistered(self, data: dict[str, Any]) -> None:
        self.deregistered_at = data["deregistered_at"]
