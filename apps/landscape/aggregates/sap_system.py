"""SapSystem: an ABAP/J2EE system on a database tenant (stream ``sap_system-<sap_system_id>``), spec §4.4.

Instances arrive one discovery (one host) at a time, so they accumulate silently until the system is
complete: a message server plus an ABAP or J2EE instance. Only then is it registered and given a
health; losing either part deregisters it again, and a later complete set restores it. Instance
commands keep working on a deregistered system so the host deregistration cascade can empty and
tombstone it. The database's health and staleness are propagated in by event handlers
(UpdateDatabaseHealth / UpdateDatabaseStaleAt), not taken from later registrations.
Not covered: changes of an instance's hostname, ports, features or start priority emit nothing;
roll-up is replaced by the event store's snapshots.
"""

from typing import Any

from apps.eventstore.commands import CommandRejected, applies, handles
from apps.eventstore.store import NewEvent
from apps.landscape.aggregates.base import Draft, LandscapeAggregate, read, valid_health
from apps.landscape.aggregates.health import UNKNOWN, from_dispstatus, worst

INSTANCE_FIELDS = ("instance_hostname", "features", "http_port", "https_port", "start_priority")
SYSTEM_FIELDS = ("sid", "tenant", "db_host", "database_id")
NO_ENSA = "no_ensa"


def is_complete(instances: list[dict[str, Any]]) -> bool:
    """A message server and an ABAP or J2EE instance make a SAP system."""
    features = [set((i["features"] or "").split("|")) for i in instances]
    return any("MESSAGESERVER" in f for f in features) and any(f & {"ABAP", "J2EE"} for f in features)


class SapSystem(LandscapeAggregate):
    snapshot_schema = 2
    kind = "sap_system"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        #: Set by the first instance; the system itself is registered once it is complete.
        self.sap_system_id: str | None = None
        self.sid: str | None = None
        self.tenant: str | None = None
        self.db_host: str | None = None
        self.database_id: str | None = None
        self.ensa_version = NO_ENSA
        self.system_registered = False
        self.health = UNKNOWN
        self.database_health: str | None = None
        self.database_stale_at: str | None = None
        #: {host_id, instance_number, *INSTANCE_FIELDS, health, absent_at, stale_at}
        self.instances: list[dict[str, Any]] = []
        self.stale_at: str | None = None

    @property
    def registered(self) -> bool:
        return self.system_registered

    def instance(self, host_id: str, instance_number: str) -> dict[str, Any] | None:
        return next(
            (i for i in self.instances if (i["host_id"], i["instance_number"]) == (host_id, instance_number)), None
        )

    # --- decisions -------------------------------------------------------------------------------

    @handles("RegisterApplicationInstance")
    def register_instance(self, payload: dict[str, Any]) -> list[NewEvent]:
        data = read("RegisterApplicationInstance", payload)
        sap_system_id, host_id, number = data["sap_system_id"], data["host_id"], data["instance_number"]
        health = from_dispstatus(data["dispstatus"])
        key = {"sap_system_id": sap_system_id, "host_id": host_id, "instance_number": number}
        draft = Draft(self)
        existing = self.instance(host_id, number)
        moved_from = self._failover_source(data) if existing is None else None
        if moved_from is not None:
            draft.emit(
                "ApplicationInstanceMoved",
                sap_system_id=sap_system_id,
                instance_number=number,
                old_host_id=moved_from["host_id"],
                new_host_id=host_id,
            )
            existing = draft.state.instance(host_id, number)
        if existing is None:
            instance = {name: data[name] for name in INSTANCE_FIELDS}
            draft.emit("ApplicationInstanceRegistered", **key, sid=data["sid"], **instance, health=health)
        else:
            if existing["health"] != health:
                draft.emit("ApplicationInstanceStatusChanged", **key, health=health)
            if existing["absent_at"] is not None:
                draft.emit("ApplicationInstanceMarkedPresent", **key)
            if existing["stale_at"] is not None:
                draft.emit("ApplicationInstanceDataMarkedInSync", **key)
                self._clear_staleness(draft)
        self._register_or_restore(draft, data)
        if draft.state.registered and draft.state.deregistered_at is None:
            ensa_version = data["ensa_version"]
            # Only instances running the enqueue server know the ENSA version; the others say no_ensa.
            if ensa_version not in (None, NO_ENSA) and ensa_version != draft.state.ensa_version:
                draft.emit("SapSystemUpdated", sap_system_id=sap_system_id, ensa_version=ensa_version)
            self._with_health(draft)
        return draft.events

    @handles("MarkApplicationInstanceAbsent")
    def mark_instance_absent(self, payload: dict[str, Any]) -> list[NewEvent]:
        data = read("MarkApplicationInstanceAbsent", payload)
        if self._existing(data)["absent_at"] is not None:
            return []
        return (
            Draft(self).emit("ApplicationInstanceMarkedAbsent", **self._key(data), absent_at=data["absent_at"]).events
        )

    @handles("MarkApplicationInstanceDataStale")
    def mark_instance_stale(self, payload: dict[str, Any]) -> list[NewEvent]:
        """The first stale instance makes the system's data stale."""
        data = read("MarkApplicationInstanceDataStale", payload)
        if self._existing(data)["stale_at"] is not None:
            return []
        draft = Draft(self).emit("ApplicationInstanceDataMarkedStale", **self._key(data), stale_at=data["stale_at"])
        if self.stale_at is None:
            draft.emit("SapSystemDataMarkedStale", sap_system_id=self.sap_system_id, stale_at=data["stale_at"])
        return draft.events

    @handles("DeregisterApplicationInstance")
    def deregister_instance(self, payload: dict[str, Any]) -> list[NewEvent]:
        data = read("DeregisterApplicationInstance", payload)
        self._existing(data)
        at = data["deregistered_at"]
        draft = Draft(self).emit("ApplicationInstanceDeregistered", **self._key(data), deregistered_at=at)
        self._clear_staleness(draft)
        if self.registered and self.deregistered_at is None:
            if is_complete(draft.state.instances):
                self._with_health(draft)
            else:
                draft.emit("SapSystemDeregistered", sap_system_id=self.sap_system_id, deregistered_at=at)
        if not draft.state.instances:
            draft.emit("SapSystemTombstoned", sap_system_id=self.sap_system_id)
        return draft.events

    @handles("DeregisterSapSystem")
    def deregister(self, payload: dict[str, Any]) -> list[NewEvent]:
        """From the database (deregistered, or its tenant gone); a system already down stays down."""
        if not self.registered:
            raise CommandRejected("sap_system_not_registered", "The SAP system is not registered.")
        if self.deregistered_at is not None:
            return []
        at = read("DeregisterSapSystem", payload)["deregistered_at"]
        return Draft(self).emit("SapSystemDeregistered", sap_system_id=self.sap_system_id, deregistered_at=at).events

    @handles("RestoreSapSystem")
    def restore(self, payload: dict[str, Any]) -> list[NewEvent]:
        """The database came back, so it is not stale; the system follows if its instances still make it
        complete."""
        if not self.registered:
            raise CommandRejected("sap_system_not_registered", "The SAP system is not registered.")
        if self.deregistered_at is None or not is_complete(self.instances):
            return []
        data = read("RestoreSapSystem", payload)
        database_health = valid_health(data["database_health"])
        draft = Draft(self)
        draft.emit(
            "SapSystemRestored",
            sap_system_id=self.sap_system_id,
            tenant=data["tenant"],
            db_host=data["db_host"],
            health=self.health,
            database_health=database_health,
            database_stale_at=None,
        )
        return self._with_health(draft)

    @handles("UpdateDatabaseHealth")
    def update_database_health(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        database_health = valid_health(read("UpdateDatabaseHealth", payload)["database_health"])
        draft = Draft(self)
        if database_health != self.database_health:
            draft.emit(
                "SapSystemDatabaseHealthChanged", sap_system_id=self.sap_system_id, database_health=database_health
            )
        return self._with_health(draft)

    @handles("UpdateDatabaseStaleAt")
    def update_database_stale_at(self, payload: dict[str, Any]) -> list[NewEvent]:
        self.require_registered()
        stale_at = read("UpdateDatabaseStaleAt", payload)["database_stale_at"]
        if stale_at == self.database_stale_at:
            return []
        draft = Draft(self)
        draft.emit("SapSystemDatabaseStaleAtChanged", sap_system_id=self.sap_system_id, database_stale_at=stale_at)
        return draft.events

    # --- rules shared by the decisions -----------------------------------------------------------

    def _failover_source(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """A cluster-managed instance showing up on another host moved there (failover), it is not new."""
        if not data["clustered"]:
            return None
        return next(
            (
                i
                for i in self.instances
                if i["instance_number"] == data["instance_number"] and i["host_id"] != data["host_id"]
            ),
            None,
        )

    def _register_or_restore(self, draft: Draft["SapSystem"], data: dict[str, Any]) -> None:
        """The command that completes the system says which tenant, database and ENSA version it has; the
        system starts with that instance's health, and SapSystemHealthChanged follows with the whole."""
        state = draft.state
        if not is_complete(state.instances) or (state.registered and state.deregistered_at is None):
            return
        system = {
            "sap_system_id": state.sap_system_id,
            "tenant": data["tenant"],
            "db_host": data["db_host"],
            "database_health": data["database_health"],
            "database_stale_at": data["database_stale_at"],
        }
        if not state.registered:
            draft.emit(
                "SapSystemRegistered",
                **system,
                sid=data["sid"],
                database_id=data["database_id"],
                health=from_dispstatus(data["dispstatus"]),
                ensa_version=data["ensa_version"] or NO_ENSA,
            )
        else:
            draft.emit("SapSystemRestored", **system, health=from_dispstatus(data["dispstatus"]))

    def _existing(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.sap_system_id is None:
            raise CommandRejected("sap_system_not_registered", "The SAP system is not registered.")
        instance = self.instance(data["host_id"], data["instance_number"])
        if instance is None:
            raise CommandRejected(
                "application_instance_not_registered",
                f"No instance {data['instance_number']} on host {data['host_id']} in this SAP system.",
            )
        return instance

    def _key(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "sap_system_id": self.sap_system_id,
            "host_id": data["host_id"],
            "instance_number": data["instance_number"],
        }

    @staticmethod
    def _clear_staleness(draft: Draft["SapSystem"]) -> None:
        state = draft.state
        if state.stale_at is not None and all(i["stale_at"] is None for i in state.instances):
            draft.emit("SapSystemDataMarkedInSync", sap_system_id=state.sap_system_id)

    @staticmethod
    def _with_health(draft: Draft["SapSystem"]) -> list[NewEvent]:
        """SAP system health: the worst of its instances' healths and its database's."""
        state = draft.state
        health = worst([*(i["health"] for i in state.instances), state.database_health])
        if health != state.health:
            draft.emit("SapSystemHealthChanged", sap_system_id=state.sap_system_id, health=health)
        return draft.events

    def _replace(self, data: dict[str, Any], **changes: Any) -> None:
        key = (data["host_id"], data["instance_number"])
        self.instances = [
            {**i, **changes} if (i["host_id"], i["instance_number"]) == key else i for i in self.instances
        ]

    # --- folds -----------------------------------------------------------------------------------

    @applies("ApplicationInstanceRegistered")
    def _instance_registered(self, data: dict[str, Any]) -> None:
        if self.sap_system_id is None:
            self.sap_system_id, self.sid = data["sap_system_id"], data["sid"]
        instance = {name: data.get(name) for name in ("host_id", "instance_number", *INSTANCE_FIELDS, "health")}
        self.instances = [*self.instances, {**instance, "absent_at": None, "stale_at": None}]

    @applies("ApplicationInstanceMoved")
    def _instance_moved(self, data: dict[str, Any]) -> None:
        self._replace(
            {"host_id": data["old_host_id"], "instance_number": data["instance_number"]},
            host_id=data["new_host_id"],
        )

    @applies("ApplicationInstanceStatusChanged")
    def _instance_status_changed(self, data: dict[str, Any]) -> None:
        self._replace(data, health=data["health"])

    @applies("ApplicationInstanceMarkedAbsent")
    def _instance_absent(self, data: dict[str, Any]) -> None:
        self._replace(data, absent_at=data["absent_at"])

    @applies("ApplicationInstanceMarkedPresent")
    def _instance_present(self, data: dict[str, Any]) -> None:
        self._replace(data, absent_at=None)

    @applies("ApplicationInstanceDataMarkedStale")
    def _instance_stale(self, data: dict[str, Any]) -> None:
        self._replace(data, stale_at=data["stale_at"])

    @applies("ApplicationInstanceDataMarkedInSync")
    def _instance_in_sync(self, data: dict[str, Any]) -> None:
        self._replace(data, stale_at=None)

    @applies("ApplicationInstanceDeregistered")
    def _instance_deregistered(self, data: dict[str, Any]) -> None:
        key = (data["host_id"], data["instance_number"])
        self.instances = [i for i in self.instances if (i["host_id"], i["instance_number"]) != key]

    @applies("SapSystemDataMarkedStale")
    def _stale(self, data: dict[str, Any]) -> None:
        self.stale_at = data["stale_at"]

    @applies("SapSystemDataMarkedInSync")
    def _in_sync(self, data: dict[str, Any]) -> None:
        self.stale_at = None

    @applies("SapSystemRegistered")
    def _registered(self, data: dict[str, Any]) -> None:
        self.system_registered = True
        # .get: registrations recorded before database_stale_at existed lack it.
        for name in (*SYSTEM_FIELDS, "ensa_version", "health", "database_health", "database_stale_at"):
            setattr(self, name, data.get(name))

    @applies("SapSystemRestored")
    def _restored(self, data: dict[str, Any]) -> None:
        self.deregistered_at = None
        for name in ("tenant", "db_host", "health", "database_health", "database_stale_at"):
            setattr(self, name, data[name])

    @applies("SapSystemUpdated")
    def _updated(self, data: dict[str, Any]) -> None:
        self.ensa_version = data["ensa_version"]

    @applies("SapSystemHealthChanged")
    def _health_changed(self, data: dict[str, Any]) -> None:
        self.health = data["health"]

    @applies("SapSystemDatabaseHealthChanged")
    def _database_health_changed(self, data: dict[str, Any]) -> None:
        self.database_health = data["database_health"]

    @applies("SapSystemDatabaseStaleAtChanged")
    def _database_stale_at_changed(self, data: dict[str, Any]) -> None:
        self.database_stale_at = data["database_stale_at"]

    @applies("SapSystemDeregistered")
    def _deregistered(self, data: dict[str, Any]) -> None:
        self.deregistered_at = data["deregistered_at"]
