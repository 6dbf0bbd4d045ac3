"""The process manager (spec §5) and the reactions that keep the model coherent (spec §6).

Each reaction turns one event into follow-up commands, reading the read models for what the event
does not say (which cluster and instances live on a host, which SAP systems use a database). The
subscriber only runs them once the projections have read past the event, so what they read is at
least as new as the event.
"""

from collections.abc import Callable

from apps.eventstore import store
from apps.eventstore.commands import Command
from apps.eventstore.store import RecordedEvent
from apps.landscape import selectors
from apps.landscape.commands import caused_by
from apps.landscape.models import ApplicationInstance, Database, DatabaseInstance, Host, SapSystem

Reaction = Callable[[RecordedEvent], list[Command]]
REACTIONS: dict[str, list[Reaction]] = {}


def reacts_to(*event_types: str) -> Callable[[Reaction], Reaction]:
    def register(function: Reaction) -> Reaction:
        for event_type in event_types:
            REACTIONS.setdefault(event_type, []).append(function)
        return function

    return register


def reactions_for(event: RecordedEvent) -> list[Command]:
    return [command for reaction in REACTIONS.get(event.type, []) for command in reaction(event)]


def _instance_key(instance: ApplicationInstance | DatabaseInstance) -> dict[str, str]:
    return {"host_id": str(instance.host_id), "instance_number": instance.instance_number}


@reacts_to("HeartbeatFailed")
def mark_host_data_stale(event: RecordedEvent) -> list[Command]:
    """The agent stopped: what it reported can no longer be trusted (stale), it is not gone."""
    host_id = event.data["host_id"]
    stale_at = event.recorded_at.isoformat()
    commands = [
        caused_by(
            event,
            "MarkDatabaseInstanceDataStale",
            {"database_id": str(i.database_id), **_instance_key(i), "stale_at": stale_at},
        )
        for i in DatabaseInstance.objects.filter(host_id=host_id)
    ]
    commands += [
        caused_by(
            event,
            "MarkApplicationInstanceDataStale",
            {"sap_system_id": str(i.sap_system_id), **_instance_key(i), "stale_at": stale_at},
        )
        for i in ApplicationInstance.objects.filter(host_id=host_id)
    ]
    cluster_id = Host.objects.filter(id=host_id).values_list("cluster_id", flat=True).first()
    if cluster_id:
        commands.append(
            caused_by(
                event, "MarkClusterHostStale", {"cluster_id": str(cluster_id), "host_id": host_id, "stale_at": stale_at}
            )
        )
    return commands


@reacts_to("HostDeregistrationRequested")
def deregister_host(event: RecordedEvent) -> list[Command]:
    """Remove the host's instances and cluster membership, then the host itself."""
    host_id = event.data["host_id"]
    at = event.data.get("requested_at") or event.recorded_at.isoformat()
    commands = [
        caused_by(
            event,
            "DeregisterDatabaseInstance",
            {"database_id": str(i.database_id), **_instance_key(i), "deregistered_at": at},
        )
        for i in DatabaseInstance.objects.filter(host_id=host_id)
    ]
    commands += [
        caused_by(
            event,
            "DeregisterApplicationInstance",
            {"sap_system_id": str(i.sap_system_id), **_instance_key(i), "deregistered_at": at},
        )
        for i in ApplicationInstance.objects.filter(host_id=host_id)
    ]
    cluster_id = Host.objects.filter(id=host_id).values_list("cluster_id", flat=True).first()
    if cluster_id:
        commands.append(
            caused_by(
                event,
                "DeregisterClusterHost",
                {"cluster_id": str(cluster_id), "host_id": host_id, "deregistered_at": at},
            )
        )
    commands.append(caused_by(event, "DeregisterHost", {"host_id": host_id, "deregistered_at": at}))
    return commands


def _sap_systems_of(database_id: str, *, deregistered: bool) -> list[str]:
    systems = SapSystem.objects.filter(
        database_id=database_id, registered=True, deregistered_at__isnull=not deregistered
    ).order_by("id")
    return [str(pk) for pk in systems.values_list("id", flat=True)]


@reacts_to("DatabaseHealthChanged")
def propagate_database_health(event: RecordedEvent) -> list[Command]:
    health = event.data["health"]
    return [
        caused_by(event, "UpdateDatabaseHealth", {"sap_system_id": system, "database_health": health})
        for system in _sap_systems_of(event.data["database_id"], deregistered=False)
    ]


@reacts_to("DatabaseDataMarkedStale")
def propagate_database_stale(event: RecordedEvent) -> list[Command]:
    stale_at = event.data["stale_at"]
    return [
        caused_by(event, "UpdateDatabaseStaleAt", {"sap_system_id": system, "database_stale_at": stale_at})
        for system in _sap_systems_of(event.data["database_id"], deregistered=False)
    ]


@reacts_to("DatabaseDataMarkedInSync")
def propagate_database_in_sync(event: RecordedEvent) -> list[Command]:
    return [
        caused_by(event, "UpdateDatabaseStaleAt", {"sap_system_id": system, "database_stale_at": None})
        for system in _sap_systems_of(event.data["database_id"], deregistered=False)
    ]


@reacts_to("DatabaseDeregistered")
def deregister_sap_systems(event: RecordedEvent) -> list[Command]:
    at = event.data.get("deregistered_at") or event.recorded_at.isoformat()
    return [
        caused_by(event, "DeregisterSapSystem", {"sap_system_id": system, "deregistered_at": at})
        for system in _sap_systems_of(event.data["database_id"], deregistered=False)
    ]


@reacts_to("DatabaseTenantsUpdated")
def deregister_sap_systems_of_removed_tenants(event: RecordedEvent) -> list[Command]:
    tenants = {tenant.get("name") for tenant in event.data.get("tenants") or []}
    systems = SapSystem.objects.filter(
        database_id=event.data["database_id"], registered=True, deregistered_at__isnull=True
    ).exclude(tenant__in=tenants)
    at = event.recorded_at.isoformat()
    return [
        caused_by(event, "DeregisterSapSystem", {"sap_system_id": str(pk), "deregistered_at": at})
        for pk in systems.order_by("id").values_list("id", flat=True)
    ]


@reacts_to("DatabaseRestored")
def restore_sap_systems(event: RecordedEvent) -> list[Command]:
    database_id = event.data["database_id"]
    health = Database.objects.filter(id=database_id).values_list("health", flat=True).first() or "unknown"
    systems = SapSystem.objects.filter(id__in=_sap_systems_of(database_id, deregistered=True)).order_by("id")
    return [
        caused_by(
            event,
            "RestoreSapSystem",
            {"sap_system_id": str(s.id), "tenant": s.tenant, "db_host": s.db_host, "database_health": health},
        )
        for s in systems
    ]


@reacts_to(
    "ApplicationInstanceRegistered",
    "ApplicationInstanceDeregistered",
    "DatabaseInstanceRegistered",
    "DatabaseInstanceDeregistered",
    "SapSystemDeregistered",
    "SapSystemRestored",
    "DatabaseDeregistered",
    "DatabaseRestored",
)
def reevaluate_saptune(event: RecordedEvent) -> list[Command]:
    """Whether a host runs SAP decides its saptune health: re-evaluate it with the host's last saptune
    status (spec §6), as its next saptune discovery would."""
    if "host_id" in event.data:
        hosts = [event.data["host_id"]]
    elif "sap_system_id" in event.data:
        hosts = ApplicationInstance.objects.filter(sap_system_id=event.data["sap_system_id"]).values_list(
            "host_id", flat=True
        )
    else:
        hosts = DatabaseInstance.objects.filter(database_id=event.data["database_id"]).values_list("host_id", flat=True)
    saptune = Host.objects.filter(id__in=set(hosts), deregistered_at__isnull=True).exclude(saptune_health="")
    return [
        caused_by(
            event,
            "UpdateSaptuneStatus",
            {
                "host_id": str(host.id),
                "saptune_installed": host.saptune_status is not None,
                "package_version": (host.saptune_status or {}).get("package_version"),
                "status": host.saptune_status,
                "sap_running": selectors.host_runs_sap(str(host.id)),
            },
        )
        for host in saptune.order_by("id")
    ]


@reacts_to("ChecksExecutionCompleted")
def fold_checks_result_into_health(event: RecordedEvent) -> list[Command]:
    """The checks engine's result becomes the cluster's or host's checks health, correlated with the
    execution (spec §7). An execution for a group that is no cluster or host here changes nothing.

    The event is the checks engine's, not the read models': whether the group exists is asked of
    its stream, which is as new as the event.
    """
    group_id, health, kind = event.data["group_id"], event.data["result"], event.data.get("target_type")
    command = {"cluster": "CompleteChecksExecution", "host": "CompleteHostChecksExecution"}.get(kind)
    if command is None or not store.stream_version(f"{kind}-{group_id}"):
        return []
    return [caused_by(event, command, {f"{kind}_id": group_id, "health": health})]
