from django.db import migrations

#: Every event the landscape aggregates record (apps.landscape.aggregates), as of this migration.
EVENT_TYPES = [
    "ApplicationInstanceDataMarkedInSync",
    "ApplicationInstanceDataMarkedStale",
    "ApplicationInstanceDeregistered",
    "ApplicationInstanceMarkedAbsent",
    "ApplicationInstanceMarkedPresent",
    "ApplicationInstanceMoved",
    "ApplicationInstanceRegistered",
    "ApplicationInstanceStatusChanged",
    "ChecksSelected",
    "ClusterChecksHealthChanged",
    "ClusterDataMarkedInSync",
    "ClusterDataMarkedStale",
    "ClusterDeregistered",
    "ClusterDetailsUpdated",
    "ClusterDistributedHealthChanged",
    "ClusterHealthChanged",
    "ClusterHostDataMarkedInSync",
    "ClusterHostDataMarkedStale",
    "ClusterHostStatusChanged",
    "ClusterRegistered",
    "ClusterReplicationHealthChanged",
    "ClusterRestored",
    "ClusterSbdHealthChanged",
    "ClusterTombstoned",
    "DatabaseDataMarkedInSync",
    "DatabaseDataMarkedStale",
    "DatabaseDeregistered",
    "DatabaseHealthChanged",
    "DatabaseInstanceDataMarkedInSync",
    "DatabaseInstanceDataMarkedStale",
    "DatabaseInstanceDeregistered",
    "DatabaseInstanceMarkedAbsent",
    "DatabaseInstanceMarkedPresent",
    "DatabaseInstanceRegistered",
    "DatabaseInstanceStatusChanged",
    "DatabaseInstanceSystemReplicationChanged",
    "DatabaseRegistered",
    "DatabaseRestored",
    "DatabaseTenantsUpdated",
    "DatabaseTombstoned",
    "HeartbeatFailed",
    "HeartbeatSucceeded",
    "HostAddedToCluster",
    "HostChecksHealthChanged",
    "HostChecksSelected",
    "HostDeregistered",
    "HostDeregistrationRequested",
    "HostDetailsUpdated",
    "HostHealthChanged",
    "HostRegistered",
    "HostRemovedFromCluster",
    "HostRestored",
    "HostSaptuneHealthChanged",
    "HostTombstoned",
    "ProviderUpdated",
    "SapSystemDataMarkedInSync",
    "SapSystemDataMarkedStale",
    "SapSystemDatabaseHealthChanged",
    "SapSystemDatabaseStaleAtChanged",
    "SapSystemDeregistered",
    "SapSystemHealthChanged",
    "SapSystemRegistered",
    "SapSystemRestored",
    "SapSystemTombstoned",
    "SapSystemUpdated",
    "SaptuneStatusUpdated",
    "SlesSubscriptionsUpdated",
]


def _operation(event_type: str) -> str:
    if event_type.endswith("Registered") and not event_type.endswith("Deregistered"):
        return "new"
    if event_type.endswith(("Deregistered", "Tombstoned", "RemovedFromCluster")):
        return "delete"
    return "update"


def register(apps, schema_editor):
    """The landscape is a producer: contracts can react to its events, e.g. WHEN ClusterHealthChanged THEN
    open an incident. An event type whose identifier is the event-store type name triggers contracts."""
    System = apps.get_model("hub", "System")
    EventType = apps.get_model("hub", "EventType")
    landscape, _ = System.objects.get_or_create(
        identifier="landscape",
        defaults={"name": "Landscape", "kind": "SAP landscape", "role": "producer",
                  "description": "Events about the monitored SAP landscape: hosts, clusters, databases, SAP systems."},
    )  # fmt: skip
    for identifier in EVENT_TYPES:
        EventType.objects.get_or_create(
            identifier=identifier,
            defaults={"system": landscape, "name": identifier, "operation": _operation(identifier)},
        )


class Migration(migrations.Migration):
    dependencies = [("landscape", "0001_initial"), ("hub", "0003_agents_system")]

    operations = [migrations.RunPython(register, migrations.RunPython.noop)]
