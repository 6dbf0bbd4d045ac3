"""Reads of the landscape read models: for the APIs, for the discovery policies' context, for enrichment."""

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from apps.landscape.aggregates.health import worst
from apps.landscape.models import (
    ApplicationInstance,
    Cluster,
    ClusterEnrichment,
    Database,
    DatabaseInstance,
    Host,
    HostAddress,
    SapSystem,
)


def host_list() -> QuerySet[Host]:
    return Host.objects.filter(deregistered_at__isnull=True).prefetch_related("sles_subscriptions")


def cluster_list() -> QuerySet[Cluster]:
    return Cluster.objects.filter(deregistered_at__isnull=True)


def database_list() -> QuerySet[Database]:
    return Database.objects.filter(deregistered_at__isnull=True).prefetch_related("instances")


def sap_system_list() -> QuerySet[SapSystem]:
    return SapSystem.objects.filter(registered=True, deregistered_at__isnull=True).prefetch_related("instances")


def cib_last_written(cluster_id: Any) -> str | None:
    return ClusterEnrichment.objects.filter(cluster_id=cluster_id).values_list("cib_last_written", flat=True).first()


# --- facts for the discovery policies ------------------------------------------------------------


def host_cluster_id(host_id: str) -> str | None:
    cluster = Host.objects.filter(id=host_id).values_list("cluster_id", flat=True).first()
    return str(cluster) if cluster else None


def cluster_host_ids(cluster_id: str) -> list[Any]:
    return list(Host.objects.filter(cluster_id=cluster_id).values_list("id", flat=True))


def host_application_instances(host_id: str) -> list[ApplicationInstance]:
    return list(ApplicationInstance.objects.filter(host_id=host_id).order_by("sap_system_id", "instance_number"))


def host_database_instances(host_id: str) -> list[DatabaseInstance]:
    return list(DatabaseInstance.objects.filter(host_id=host_id).order_by("database_id", "instance_number"))


def cluster_sap_instances(cluster_id: str | None) -> list[dict[str, Any]]:
    if not cluster_id:
        return []
    instances = Cluster.objects.filter(id=cluster_id).values_list("sap_instances", flat=True).first()
    return list(instances or [])


def host_runs_sap(host_id: str) -> bool:
    return (
        ApplicationInstance.objects.filter(host_id=host_id).exists()
        or DatabaseInstance.objects.filter(host_id=host_id).exists()
    )


def host_heartbeat(host_id: str) -> str | None:
    """The host's heartbeat as the read model knows it; None for a host never registered (or gone)."""
    return Host.objects.filter(id=host_id, deregistered_at__isnull=True).values_list("heartbeat", flat=True).first()


def site_replication_tier(database_id: str, site_id: int) -> int | None:
    """The replication tier an instance of the database's site ``site_id`` reports, if one does."""
    return (
        DatabaseInstance.objects.filter(
            database_id=database_id, system_replication_site_id=site_id, system_replication_tier__isnull=False
        )
        .values_list("system_replication_tier", flat=True)
        .first()
    )


def database_serving(*, tenant: str | None, db_host: str | None) -> Database | None:
    """The database an application instance uses: it has the tenant and an instance on a host with
    the IP address ``db_host`` (spec §3.1); both the database and the host must be registered."""
    if not tenant or not db_host:
        return None
    hosts = HostAddress.objects.filter(address=db_host, host__deregistered_at__isnull=True).values("host_id")
    candidates = (
        Database.objects.filter(deregistered_at__isnull=True, instances__host_id__in=hosts).distinct().order_by("id")
    )
    return next((database for database in candidates if tenant in database.tenant_names), None)


# --- the SAP systems health overview -------------------------------------------------------------


def sap_systems_health() -> list[dict[str, Any]]:
    """Per registered SAP system: its health, its database's, and the worst of its hosts' and clusters'."""
    systems = list(sap_system_list())
    database_ids = {s.database_id for s in systems if s.database_id}
    databases = {
        d.id: d
        for d in Database.objects.filter(id__in=database_ids).prefetch_related(
            Prefetch("instances", queryset=DatabaseInstance.objects.only("database_id", "host_id"))
        )
    }
    host_ids = {i.host_id for s in systems for i in s.instances.all()}
    host_ids |= {i.host_id for d in databases.values() for i in d.instances.all()}
    hosts = {h.id: h for h in Host.objects.filter(id__in=host_ids, deregistered_at__isnull=True)}
    clusters = {c.id: c for c in Cluster.objects.filter(id__in={h.cluster_id for h in hosts.values()})}
    overview = []
    for system in systems:
        database = databases.get(system.database_id)
        app_hosts = [hosts[i.host_id] for i in system.instances.all() if i.host_id in hosts]
        db_hosts = [hosts[i.host_id] for i in database.instances.all() if i.host_id in hosts] if database else []
        overview.append(
            {
                "id": system.id,
                "sid": system.sid,
                "sapsystem_health": system.health,
                "database_id": system.database_id,
                "database_sid": database.sid if database else None,
                "database_health": database.health if database else system.database_health,
                "application_cluster_health": _clusters_health(app_hosts, clusters),
                "database_cluster_health": _clusters_health(db_hosts, clusters),
                "application_hosts_health": _hosts_health(app_hosts),
                "database_hosts_health": _hosts_health(db_hosts),
            }
        )
    return overview


def _clusters_health(hosts: list[Host], clusters: dict[Any, Cluster]) -> str | None:
    healths = [clusters[h.cluster_id].health for h in hosts if h.cluster_id in clusters]
    return worst(healths) if healths else None


def _hosts_health(hosts: list[Host]) -> str | None:
    return worst(h.health for h in hosts) if hosts else None


def health_counts() -> dict[str, dict[str, int]]:
    """How many registered hosts, clusters, SAP systems and databases are in each health, by model name."""
    lists = {
        "host": host_list(), "cluster": cluster_list(), "sapsystem": sap_system_list(), "database": database_list()
    }  # fmt: skip
    counted = {name: rows.prefetch_related(None).order_by().values("health") for name, rows in lists.items()}
    return {name: dict(rows.annotate(n=Count("pk")).values_list("health", "n")) for name, rows in counted.items()}
