"""sap_system_discovery → Mark*InstanceAbsent for vanished instances, then Register*Instance per instance.

System ``Type`` 1 is a HANA database, 2 an application (ABAP/J2EE) system; 0 (unknown) and 3
(diagnostics agent) are not tracked.
"""

from collections.abc import Mapping
from typing import Any

from apps.discovery.policies._payload import dig, expect, fail, items, pairs
from apps.discovery.policies.context import PolicyContext
from apps.eventstore.commands import Command
from apps.landscape.commands import COMMANDS, build, database_id, host_id

UNKNOWN_TYPE, DATABASE_TYPE, APPLICATION_TYPE, DIAGNOSTICS_TYPE = 0, 1, 2, 3
SECONDARY_MODES = ("sync", "syncmem", "async", "unknown")
ENSA_PROCESSES = {"enserver": "ensa1", "enrepserver": "ensa1", "enq_server": "ensa2", "enq_replicator": "ensa2"}


def sap_system_discovery(envelope: Mapping[str, Any], context: PolicyContext) -> list[Command]:
    host = host_id(envelope["agent_id"])
    systems = expect(envelope["payload"], list, "payload", what="an array")
    registrations: list[Command] = []
    for position, system in enumerate(systems):
        system_type = expect(system.get("Type"), int, "payload", position, "Type", what="an integer")
        if system_type == DATABASE_TYPE:
            registrations += _database_instances(system, position, host)
        elif system_type == APPLICATION_TYPE:
            registrations += _application_instances(system, position, host, context)
        elif system_type not in (UNKNOWN_TYPE, DIAGNOSTICS_TYPE):
            raise fail("must be 0, 1, 2 or 3", "payload", position, "Type")
    seen = {(c.type, c.payload["sid"], c.payload["instance_number"]) for c in registrations}
    # Databases first, then applications, as upstream lists the host's current instances.
    absent = [
        build(
            "MarkDatabaseInstanceAbsent",
            {
                "database_id": known.database_id,
                "host_id": host,
                "instance_number": known.instance_number,
                "absent_at": context.received_at_iso,
            },
        )
        for known in context.database_instances
        if ("RegisterDatabaseInstance", known.sid, known.instance_number) not in seen
    ] + [
        build(
            "MarkApplicationInstanceAbsent",
            {
                "sap_system_id": known.sap_system_id,
                "host_id": host,
                "instance_number": known.instance_number,
                "absent_at": context.received_at_iso,
            },
        )
        for known in context.application_instances
        if ("RegisterApplicationInstance", known.sid, known.instance_number) not in seen
    ]
    return absent + registrations


def _database_instances(system: Mapping[str, Any], position: int, host: str) -> list[Command]:
    hana_id = expect(system.get("Id"), str, "payload", position, "Id", what="a string")
    tenants = [{"name": database.get("Database")} for database in items(system.get("Databases"))]
    commands = []
    for index, instance in enumerate(items(system.get("Instances"))):
        sap_control = _Instance(instance, ("payload", position, "Instances", index))
        replication_state = instance.get("HdbnsutilSRstate") or {}
        site = replication_state.get("site_name")
        commands.append(
            build(
                "RegisterDatabaseInstance",
                {
                    "database_id": database_id(hana_id),
                    "sid": system.get("SID"),
                    "tenants": tenants,
                    "host_id": host,
                    **sap_control.fields(),
                    "system_replication": _replication_role(replication_state.get("mode")),
                    "system_replication_status": dig(instance, "SystemReplication", "overall_replication_status"),
                    "system_replication_site": site,
                    "system_replication_site_id": _number(replication_state.get("site_id")),
                    "system_replication_active_primary_site": _number(replication_state.get("active_primary_site")),
                    "system_replication_mode": replication_state.get("mode"),
                    "system_replication_operation_mode": replication_state.get("operation_mode"),
                    "system_replication_source_site": _source_site(replication_state, site),
                    "system_replication_tier": _number(replication_state.get(f"siteTier/{site}")),
                },
            )
        )
    return commands


def _application_instances(
    system: Mapping[str, Any], position: int, host: str, context: PolicyContext
) -> list[Command]:
    sid = system.get("SID")
    # Newer agents send the tenant; older ones only have it in the default profile.
    tenant = system.get("Tenant") or dig(system, "Profile", "dbs/hdb/dbname")
    commands = []
    for index, instance in enumerate(items(system.get("Instances"))):
        sap_control = _Instance(instance, ("payload", position, "Instances", index))
        fields = sap_control.fields()
        if tenant is None and any(kind in (fields["features"] or "") for kind in ("ABAP", "J2EE")):
            raise fail("can't be blank in an ABAP/J2EE system", "payload", position, "Profile", "dbs/hdb/dbname")
        clustered = any(
            known.sid == sid and known.instance_number == fields["instance_number"] and known.mounted
            for known in context.cluster_sap_instances
        )
        commands.append(
            unaddressed(
                "RegisterApplicationInstance",
                {
                    "sid": sid,
                    "tenant": tenant,
                    "db_host": system.get("DBAddress"),
                    "host_id": host,
                    **fields,
                    "clustered": clustered,
                    "ensa_version": sap_control.ensa_version(),
                },
            )
        )
    return commands


def unaddressed(command_type: str, payload: dict[str, Any]) -> Command:
    """A command whose target id only enrichment can fill (RegisterApplicationInstance's sap_system_id
    needs the database found by tenant and db_host), so its stream id is left empty until then."""
    if unknown := set(payload) - set(COMMANDS[command_type].fields):
        raise ValueError(f"{command_type} has no field(s) {sorted(unknown)}.")
    return Command(command_type, "", dict(payload))


class _Instance:
    """One ``Instances[]`` entry: its SAPControl properties, instance list and processes."""

    def __init__(self, instance: Any, path: tuple[str | int, ...]) -> None:
        expect(instance, Mapping, *path, what="an object")
        sap_control = expect(instance.get("SAPControl"), Mapping, *path, "SAPControl", what="an object")
        self.path = path
        self.properties = pairs(sap_control.get("Properties"), key="property", val="value")
        for name in ("SAPSYSTEM", "SAPLOCALHOST"):
            value = self.properties.get(name)
            if isinstance(value, str) and not value.strip():
                raise fail(f"{name} can't be blank", *path, "SAPControl", "Properties")
        self.processes = items(sap_control.get("Processes"))
        self.current = self._current(items(sap_control.get("Instances")))

    def _current(self, instances: list[Any]) -> Mapping[str, Any]:
        """The entry describing this instance; older agents do not flag it, so match host and number."""
        flagged = next((i for i in instances if i.get("currentInstance") is True), None)
        if flagged is not None or any("currentInstance" in i for i in instances):
            return flagged or {}
        number = self.properties.get("SAPSYSTEM")
        return next(
            (
                i
                for i in instances
                if i.get("hostname") == self.properties.get("SAPLOCALHOST")
                and number is not None
                and i.get("instanceNr") == int(number)
            ),
            {},
        )

    def fields(self) -> dict[str, Any]:
        number = self.properties.get("SAPSYSTEM")
        if number is None and isinstance(self.current.get("instanceNr"), int):
            number = f"{self.current['instanceNr']:02d}"
        if number is None:
            raise fail("has no SAPSYSTEM property (the instance number)", *self.path, "SAPControl", "Properties")
        return {
            "instance_number": number,
            "instance_hostname": self.properties.get("SAPLOCALHOST"),
            "features": self.current.get("features"),
            "http_port": self.current.get("httpPort"),
            "https_port": self.current.get("httpsPort"),
            "start_priority": self.current.get("startPriority"),
            "dispstatus": self.current.get("dispstatus"),
        }

    def ensa_version(self) -> str:
        """The enqueue server generation, told apart by its process names."""
        return next(
            (ENSA_PROCESSES[p.get("name")] for p in self.processes if p.get("name") in ENSA_PROCESSES), "no_ensa"
        )


def _replication_role(mode: Any) -> str | None:
    if mode == "primary":
        return "Primary"
    if mode in SECONDARY_MODES:
        return "Secondary"
    return None


def _source_site(state: Mapping[str, Any], site: Any) -> str | None:
    """``siteMapping/<source>`` names the site(s) a site replicates to; read it backwards.

    A source with several targets (multi-target replication) comes as a list, one entry per line
    of ``hdbnsutil -sr_state``.
    """
    for key, targets in state.items():
        if not key.startswith("siteMapping/"):
            continue
        for entry in targets if isinstance(targets, list) else [targets]:
            if site in str(entry).replace("|", ",").split(","):
                return key.removeprefix("siteMapping/")
    return None


def _number(value: Any) -> int | None:
    """hdbnsutil reports site ids and tiers as digit strings."""
    return int(value) if isinstance(value, str) and value.isdigit() else None
