"""Landscape events → read models (spec §9). Idempotent upserts keyed by the aggregates' ids.

One handler per event type; ``project`` is the single entry point used by the subscriber, so a
rebuild from position 0 (``eventstore_catchup landscape.projections --from-start``) replays exactly
what the live subscription did.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import CharField, Model
from django.utils.dateparse import parse_datetime

from apps.eventstore.store import RecordedEvent
from apps.landscape.aggregates.host import DETAIL_FIELDS
from apps.landscape.models import (
    ApplicationInstance,
    Cluster,
    Database,
    DatabaseInstance,
    Host,
    HostAddress,
    SapSystem,
    SlesSubscription,
)

Projector = Callable[[RecordedEvent], None]
PROJECTORS: dict[str, Projector] = {}

SUBSCRIPTION_FIELDS = (
    "identifier",
    "version",
    "arch",
    "status",
    "subscription_status",
    "type",
    "starts_at",
    "expires_at",
)
CLUSTER_INFO_FIELDS = (
    "name",
    "type",
    "state",
    "provider",
    "sap_instances",
    "resources_number",
    "hosts_number",
    "details",
)
INSTANCE_FIELDS = ("instance_hostname", "features", "http_port", "https_port", "start_priority")
DATABASE_SR_FIELDS = (
    "system_replication",
    "system_replication_status",
    "system_replication_site",
    "system_replication_site_id",
    "system_replication_mode",
    "system_replication_operation_mode",
    "system_replication_source_site",
    "system_replication_tier",
)


def projects(*event_types: str) -> Callable[[Projector], Projector]:
    def register(function: Projector) -> Projector:
        for event_type in event_types:
            PROJECTORS[event_type] = function
        return function

    return register


def project(event: RecordedEvent) -> None:
    projector = PROJECTORS.get(event.type)
    if projector is not None:
        projector(event)


def clear() -> None:
    """Empty every landscape read model (before a rebuild from the first event)."""
    for model in (ApplicationInstance, SapSystem, DatabaseInstance, Database, Cluster, Host):
        model.objects.all().delete()


def _at(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def _row(model: type[Model], fields: dict[str, Any]) -> dict[str, Any]:
    """Event data as column values: text columns hold "" where the event says None."""
    return {
        name: "" if value is None and isinstance(model._meta.get_field(name), CharField) else value
        for name, value in fields.items()
    }


def _update(model: type[Model], pk: Any, event: RecordedEvent, **fields: Any) -> None:
    model.objects.filter(pk=pk).update(updated_at=event.recorded_at, **_row(model, fields))


def _pick(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: data.get(name) for name in names}


# --- hosts ---------------------------------------------------------------------------------------


def _host_details(data: dict[str, Any]) -> dict[str, Any]:
    """The host's details; each address's prefix length ("a.b.c.d/nn") is also its netmask."""
    details = _pick(data, DETAIL_FIELDS)
    details["ip_addresses"] = details["ip_addresses"] or []
    details["netmasks"] = [int(a.split("/")[1]) if "/" in a else None for a in map(str, details["ip_addresses"])]
    details["hostname"] = details["hostname"] or ""
    return details


def _replace_addresses(host_id: str, addresses: list[str]) -> None:
    HostAddress.objects.filter(host_id=host_id).delete()
    HostAddress.objects.bulk_create(
        [HostAddress(host_id=host_id, address=a) for a in sorted({str(a).split("/")[0] for a in addresses})]
    )


@projects("HostRegistered")
def _host_registered(event: RecordedEvent) -> None:
    data = event.data
    details = _host_details(data)
    Host.objects.update_or_create(
        id=data["host_id"],
        defaults=_row(
            Host,
            {
                **details,
                "heartbeat": data["heartbeat"],
                "health": data["health"],
                "registered_at": event.recorded_at,
                "updated_at": event.recorded_at,
            },
        ),
    )
    _replace_addresses(data["host_id"], details["ip_addresses"])


@projects("HostDetailsUpdated")
def _host_details_updated(event: RecordedEvent) -> None:
    details = _host_details(event.data)
    _update(Host, event.data["host_id"], event, **details)
    _replace_addresses(event.data["host_id"], details["ip_addresses"])


@projects("HostRestored")
def _host_restored(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, deregistered_at=None, deregistration_requested_at=None)


@projects("HeartbeatSucceeded")
def _heartbeat_succeeded(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, heartbeat="passing", stale_at=None)


@projects("HeartbeatFailed")
def _heartbeat_failed(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, heartbeat="critical", stale_at=event.recorded_at)


@projects("ProviderUpdated")
def _provider_updated(event: RecordedEvent) -> None:
    data = event.data
    _update(Host, data["host_id"], event, provider=data["provider"], provider_data=data["provider_data"])


@projects("SlesSubscriptionsUpdated")
def _subscriptions_updated(event: RecordedEvent) -> None:
    host_id = event.data["host_id"]
    SlesSubscription.objects.filter(host_id=host_id).delete()
    SlesSubscription.objects.bulk_create(
        [
            SlesSubscription(host_id=host_id, **_row(SlesSubscription, _pick(s, SUBSCRIPTION_FIELDS)))
            for s in event.data["subscriptions"]
        ]
    )
    _update(Host, host_id, event)


@projects("SaptuneStatusUpdated")
def _saptune_updated(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, saptune_status=event.data["status"])


@projects("HostSaptuneHealthChanged")
def _saptune_health(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, saptune_health=event.data["saptune_health"])


@projects("SoftwareUpdatesHealthChanged")
def _software_updates_health(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, software_updates_health=event.data["health"])


@projects("SoftwareUpdatesDiscoveryCleared")
def _software_updates_cleared(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, software_updates_health="")


@projects("HostChecksSelected")
def _host_checks_selected(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, selected_checks=event.data["checks"])


@projects("HostChecksHealthChanged")
def _host_checks_health(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, checks_health=event.data["checks_health"])


@projects("HostHealthChanged")
def _host_health(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, health=event.data["health"])


@projects("HostDeregistrationRequested")
def _host_deregistration_requested(event: RecordedEvent) -> None:
    _update(Host, event.data["host_id"], event, deregistration_requested_at=_at(event.data["requested_at"]))


@projects("HostDeregistered")
def _host_deregistered(event: RecordedEvent) -> None:
    at = _at(event.data["deregistered_at"]) or event.recorded_at
    _update(Host, event.data["host_id"], event, deregistered_at=at)


# --- clusters ------------------------------------------------------------------------------------


@projects("ClusterRegistered")
def _cluster_registered(event: RecordedEvent) -> None:
    data = event.data
    healths = {name: health for name, health in (data["health_details"] or {}).items() if health is not None}
    Cluster.objects.update_or_create(
        id=data["cluster_id"],
        defaults={
            **_row(Cluster, _pick(data, CLUSTER_INFO_FIELDS)),
            **healths,
            "health": data["health"],
            "registered_at": event.recorded_at,
            "updated_at": event.recorded_at,
        },
    )


@projects("ClusterDetailsUpdated")
def _cluster_details(event: RecordedEvent) -> None:
    _update(Cluster, event.data["cluster_id"], event, **_pick(event.data, CLUSTER_INFO_FIELDS))


@projects("HostAddedToCluster", "ClusterHostStatusChanged")
def _cluster_host(event: RecordedEvent) -> None:
    data = event.data
    _update(
        Host, data["host_id"], event, cluster_id=data["cluster_id"], cluster_host_status=data["cluster_host_status"]
    )


@projects("HostRemovedFromCluster")
def _cluster_host_removed(event: RecordedEvent) -> None:
    data = event.data
    Host.objects.filter(id=data["host_id"], cluster_id=data["cluster_id"]).update(
        cluster_id=None, cluster_host_status="", updated_at=event.recorded_at
    )


@projects(
    "ClusterReplicationHealthChanged",
    "ClusterDistributedHealthChanged",
    "ClusterSbdHealthChanged",
    "ClusterChecksHealthChanged",
    "ClusterHealthChanged",
)
def _cluster_health(event: RecordedEvent) -> None:
    fields = {k: v for k, v in event.data.items() if k != "cluster_id"}
    _update(Cluster, event.data["cluster_id"], event, **fields)


@projects("ChecksSelected")
def _cluster_checks_selected(event: RecordedEvent) -> None:
    _update(Cluster, event.data["cluster_id"], event, selected_checks=event.data["checks"])


@projects("ClusterDataMarkedStale")
def _cluster_stale(event: RecordedEvent) -> None:
    _update(Cluster, event.data["cluster_id"], event, stale_at=_at(event.data["stale_at"]))


@projects("ClusterDataMarkedInSync")
def _cluster_in_sync(event: RecordedEvent) -> None:
    _update(Cluster, event.data["cluster_id"], event, stale_at=None)


@projects("ClusterDeregistered")
def _cluster_deregistered(event: RecordedEvent) -> None:
    at = _at(event.data["deregistered_at"]) or event.recorded_at
    _update(Cluster, event.data["cluster_id"], event, deregistered_at=at)


@projects("ClusterRestored")
def _cluster_restored(event: RecordedEvent) -> None:
    _update(Cluster, event.data["cluster_id"], event, deregistered_at=None)


# --- databases -----------------------------------------------------------------------------------


def _database_instance(event: RecordedEvent) -> Any:
    data = event.data
    return DatabaseInstance.objects.filter(
        database_id=data["database_id"], host_id=data["host_id"], instance_number=data["instance_number"]
    )


@projects("DatabaseRegistered")
def _database_registered(event: RecordedEvent) -> None:
    data = event.data
    Database.objects.update_or_create(
        id=data["database_id"],
        defaults={
            "sid": data["sid"] or "",
            "health": data["health"],
            "registered_at": event.recorded_at,
            "updated_at": event.recorded_at,
        },
    )


@projects("DatabaseTenantsUpdated")
def _database_tenants(event: RecordedEvent) -> None:
    _update(Database, event.data["database_id"], event, tenants=event.data["tenants"])


@projects("DatabaseHealthChanged")
def _database_health(event: RecordedEvent) -> None:
    _update(Database, event.data["database_id"], event, health=event.data["health"])


@projects("DatabaseDataMarkedStale")
def _database_stale(event: RecordedEvent) -> None:
    _update(Database, event.data["database_id"], event, stale_at=_at(event.data["stale_at"]))


@projects("DatabaseDataMarkedInSync")
def _database_in_sync(event: RecordedEvent) -> None:
    _update(Database, event.data["database_id"], event, stale_at=None)


@projects("DatabaseDeregistered")
def _database_deregistered(event: RecordedEvent) -> None:
    at = _at(event.data["deregistered_at"]) or event.recorded_at
    _update(Database, event.data["database_id"], event, deregistered_at=at)


@projects("DatabaseRestored")
def _database_restored(event: RecordedEvent) -> None:
    health = {} if event.data["health"] is None else {"health": event.data["health"]}
    _update(Database, event.data["database_id"], event, deregistered_at=None, **health)


@projects("DatabaseInstanceRegistered")
def _database_instance_registered(event: RecordedEvent) -> None:
    data = event.data
    DatabaseInstance.objects.update_or_create(
        database_id=data["database_id"],
        host_id=data["host_id"],
        instance_number=data["instance_number"],
        defaults={
            "sid": data.get("sid") or "",
            **_row(DatabaseInstance, {**_pick(data, INSTANCE_FIELDS), **_pick(data, DATABASE_SR_FIELDS)}),
            "health": data["health"],
            "absent_at": None,
            "stale_at": None,
        },
    )


@projects("DatabaseInstanceStatusChanged")
def _database_instance_status(event: RecordedEvent) -> None:
    _database_instance(event).update(health=event.data["health"])


@projects("DatabaseInstanceSystemReplicationChanged")
def _database_instance_replication(event: RecordedEvent) -> None:
    _database_instance(event).update(**_row(DatabaseInstance, _pick(event.data, DATABASE_SR_FIELDS)))


@projects("DatabaseInstanceMarkedAbsent")
def _database_instance_absent(event: RecordedEvent) -> None:
    _database_instance(event).update(absent_at=_at(event.data["absent_at"]) or event.recorded_at)


@projects("DatabaseInstanceMarkedPresent")
def _database_instance_present(event: RecordedEvent) -> None:
    _database_instance(event).update(absent_at=None)


@projects("DatabaseInstanceDataMarkedStale")
def _database_instance_stale(event: RecordedEvent) -> None:
    _database_instance(event).update(stale_at=_at(event.data["stale_at"]) or event.recorded_at)


@projects("DatabaseInstanceDataMarkedInSync")
def _database_instance_in_sync(event: RecordedEvent) -> None:
    _database_instance(event).update(stale_at=None)


@projects("DatabaseInstanceDeregistered")
def _database_instance_deregistered(event: RecordedEvent) -> None:
    _database_instance(event).delete()


# --- SAP systems ---------------------------------------------------------------------------------


def _application_instance(event: RecordedEvent) -> Any:
    data = event.data
    return ApplicationInstance.objects.filter(
        sap_system_id=data["sap_system_id"], host_id=data["host_id"], instance_number=data["instance_number"]
    )


@projects("ApplicationInstanceRegistered")
def _application_instance_registered(event: RecordedEvent) -> None:
    data = event.data
    system, _ = SapSystem.objects.get_or_create(
        id=data["sap_system_id"],
        defaults={
            "sid": data["sid"] or "",
            "updated_at": event.recorded_at,
        },
    )
    ApplicationInstance.objects.update_or_create(
        sap_system=system,
        host_id=data["host_id"],
        instance_number=data["instance_number"],
        defaults={
            **_row(ApplicationInstance, _pick(data, ("sid", *INSTANCE_FIELDS))),
            "health": data["health"],
            "absent_at": None,
            "stale_at": None,
        },
    )


@projects("ApplicationInstanceMoved")
def _application_instance_moved(event: RecordedEvent) -> None:
    data = event.data
    ApplicationInstance.objects.filter(
        sap_system_id=data["sap_system_id"], host_id=data["old_host_id"], instance_number=data["instance_number"]
    ).update(host_id=data["new_host_id"])


@projects("ApplicationInstanceStatusChanged")
def _application_instance_status(event: RecordedEvent) -> None:
    _application_instance(event).update(health=event.data["health"])


@projects("ApplicationInstanceMarkedAbsent")
def _application_instance_absent(event: RecordedEvent) -> None:
    _application_instance(event).update(absent_at=_at(event.data["absent_at"]) or event.recorded_at)


@projects("ApplicationInstanceMarkedPresent")
def _application_instance_present(event: RecordedEvent) -> None:
    _application_instance(event).update(absent_at=None)


@projects("ApplicationInstanceDataMarkedStale")
def _application_instance_stale(event: RecordedEvent) -> None:
    _application_instance(event).update(stale_at=_at(event.data["stale_at"]) or event.recorded_at)


@projects("ApplicationInstanceDataMarkedInSync")
def _application_instance_in_sync(event: RecordedEvent) -> None:
    _application_instance(event).update(stale_at=None)


@projects("ApplicationInstanceDeregistered")
def _application_instance_deregistered(event: RecordedEvent) -> None:
    _application_instance(event).delete()


@projects("SapSystemRegistered")
def _sap_system_registered(event: RecordedEvent) -> None:
    data = event.data
    SapSystem.objects.update_or_create(
        id=data["sap_system_id"],
        defaults={
            **_row(
                SapSystem,
                _pick(data, ("sid", "tenant", "db_host", "database_id", "ensa_version", "health", "database_health")),
            ),
            "database_stale_at": _at(data.get("database_stale_at")),
            "registered": True,
            "registered_at": event.recorded_at,
            "updated_at": event.recorded_at,
        },
    )


@projects("SapSystemRestored")
def _sap_system_restored(event: RecordedEvent) -> None:
    data = event.data
    fields = _pick(data, ("tenant", "db_host", "health", "database_health"))
    stale_at = _at(data["database_stale_at"])
    _update(SapSystem, data["sap_system_id"], event, deregistered_at=None, database_stale_at=stale_at, **fields)


@projects("SapSystemUpdated")
def _sap_system_updated(event: RecordedEvent) -> None:
    _update(SapSystem, event.data["sap_system_id"], event, ensa_version=event.data["ensa_version"])


@projects("SapSystemHealthChanged", "SapSystemDatabaseHealthChanged")
def _sap_system_health(event: RecordedEvent) -> None:
    fields = {k: v for k, v in event.data.items() if k != "sap_system_id"}
    _update(SapSystem, event.data["sap_system_id"], event, **fields)


@projects("SapSystemDatabaseStaleAtChanged")
def _sap_system_database_stale(event: RecordedEvent) -> None:
    stale_at = _at(event.data["database_stale_at"])
    _update(SapSystem, event.data["sap_system_id"], event, database_stale_at=stale_at)


@projects("SapSystemDataMarkedStale")
def _sap_system_stale(event: RecordedEvent) -> None:
    _update(SapSystem, event.data["sap_system_id"], event, stale_at=_at(event.data["stale_at"]))


@projects("SapSystemDataMarkedInSync")
def _sap_system_in_sync(event: RecordedEvent) -> None:
    _update(SapSystem, event.data["sap_system_id"], event, stale_at=None)


@projects("SapSystemDeregistered")
def _sap_system_deregistered(event: RecordedEvent) -> None:
    at = _at(event.data["deregistered_at"]) or event.recorded_at
    _update(SapSystem, event.data["sap_system_id"], event, deregistered_at=at)
