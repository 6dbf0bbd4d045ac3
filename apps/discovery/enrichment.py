"""Command enrichment (spec §3.1): fill what only the read models know before a command is dispatched."""

from dataclasses import replace

from apps.eventstore.commands import Command, CommandRejected
from apps.landscape import selectors
from apps.landscape.commands import sap_system_id, stream_id


def enrich(command: Command) -> Command:
    if command.type == "RegisterApplicationInstance":
        return _with_database(command)
    if command.type == "RegisterDatabaseInstance":
        return _with_inferred_tier(command)
    if command.type == "RegisterOnlineClusterHost":
        return _without_volatile_attributes(command)
    return command


def _without_volatile_attributes(command: Command) -> Command:
    """SAPHanaSR rewrites ``lpa_<sid>_lpt`` on every monitor run of a classic scale-up cluster: kept, it
    would make every discovery a ClusterDetailsUpdated."""
    payload = command.payload
    details = payload.get("details")
    sid = next(
        (i["sid"] for i in payload.get("sap_instances") or [] if i["resource_type"] == "sap_hana_topology"), None
    )
    if payload.get("type") != "hana_scale_up" or not details or sid is None:
        return command
    volatile = f"lpa_{sid.lower()}_lpt"
    nodes = [
        {**node, "attributes": {k: v for k, v in node["attributes"].items() if k != volatile}}
        for node in details.get("nodes") or []
    ]
    return replace(command, payload={**payload, "details": {**details, "nodes": nodes}})


def _with_inferred_tier(command: Command) -> Command:
    """A stopped secondary does not report its replication tier: it is one below the tier of the active
    primary site it names, when an instance of that site is registered with one."""
    payload = command.payload
    primary_site = payload.get("system_replication_active_primary_site")
    if (
        payload.get("system_replication") != "Secondary"
        or payload.get("system_replication_tier") is not None
        or primary_site is None
    ):
        return command
    primary_tier = selectors.site_replication_tier(payload["database_id"], primary_site)
    if primary_tier is None:
        return command
    return replace(command, payload={**payload, "system_replication_tier": primary_tier + 1})


def _with_database(command: Command) -> Command:
    """An application instance belongs to the SAP system of the database serving its tenant at db_host."""
    tenant, db_host = command.payload.get("tenant"), command.payload.get("db_host")
    database = selectors.database_serving(tenant=tenant, db_host=db_host)
    if database is None:
        raise CommandRejected(
            "associated_database_not_found",
            f"No registered database has tenant {tenant!r} and an instance on a host with address {db_host!r}.",
        )
    system = sap_system_id(database.id, tenant)
    payload = {
        **command.payload,
        "sap_system_id": system,
        "database_id": str(database.id),
        "database_health": database.health,
        "database_stale_at": database.stale_at.isoformat() if database.stale_at else None,
    }
    return replace(command, stream_id=stream_id("sap_system_id", system), payload=payload)
