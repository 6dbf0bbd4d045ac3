"""The landscape for people who do not read JSON: read-only lists with health badges, filters and search."""

import json

from django.contrib import admin
from django.utils.html import format_html

from apps.eventstore.admin import ReadOnlyAdmin
from apps.landscape.models import ApplicationInstance, Cluster, Database, DatabaseInstance, Host, SapSystem

BADGE_COLOURS = {"passing": "#2e7d32", "warning": "#ef6c00", "critical": "#c62828", "unknown": "#757575"}


def badge(health: str | None) -> str:
    if not health:
        return "-"
    colour = BADGE_COLOURS.get(health, BADGE_COLOURS["unknown"])
    return format_html(
        '<span style="background:{};color:#fff;border-radius:8px;padding:1px 8px;font-size:11px">{}</span>',
        colour,
        health,
    )


def pretty(value: object) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


class StaleFilter(admin.SimpleListFilter):
    title = "data"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", "Stale (agent stopped)"), ("no", "In sync")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(stale_at__isnull=self.value() == "no")
        return queryset


class RegisteredFilter(admin.SimpleListFilter):
    title = "registration"
    parameter_name = "registered"

    def lookups(self, request, model_admin):
        return [("yes", "Registered"), ("no", "Deregistered")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(deregistered_at__isnull=self.value() == "yes")
        return queryset


@admin.register(Host)
class HostAdmin(ReadOnlyAdmin):
    list_display = ["hostname", "health_badge", "heartbeat_badge", "provider", "os_version", "agent_version", "cluster"]
    list_filter = ["health", "heartbeat", "provider", StaleFilter, RegisteredFilter]
    search_fields = ["hostname", "fully_qualified_domain_name", "addresses__address", "=id"]
    exclude = ["provider_data", "saptune_status", "systemd_units", "prometheus_targets"]
    readonly_fields = ["pretty_provider_data", "pretty_saptune_status"]

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: Host) -> str:
        return badge(obj.health)

    @admin.display(description="heartbeat", ordering="heartbeat")
    def heartbeat_badge(self, obj: Host) -> str:
        return badge(obj.heartbeat)

    @admin.display(description="cluster")
    def cluster(self, obj: Host) -> str:
        return str(obj.cluster_id)[:8] if obj.cluster_id else "-"

    @admin.display(description="provider data")
    def pretty_provider_data(self, obj: Host) -> str:
        return pretty(obj.provider_data)

    @admin.display(description="saptune")
    def pretty_saptune_status(self, obj: Host) -> str:
        return pretty(obj.saptune_status)


@admin.register(Cluster)
class ClusterAdmin(ReadOnlyAdmin):
    list_display = ["name", "type", "health_badge", "provider", "state", "hosts_number", "resources_number", "stale_at"]
    list_filter = ["health", "type", "provider", StaleFilter, RegisteredFilter]
    search_fields = ["name", "=id", "sap_instances"]
    exclude = ["details", "sap_instances"]
    readonly_fields = ["pretty_details", "pretty_sap_instances"]

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: Cluster) -> str:
        return badge(obj.health)

    @admin.display(description="details")
    def pretty_details(self, obj: Cluster) -> str:
        return pretty(obj.details)

    @admin.display(description="SAP instances")
    def pretty_sap_instances(self, obj: Cluster) -> str:
        return pretty(obj.sap_instances)


class DatabaseInstanceInline(admin.TabularInline):
    model = DatabaseInstance
    fields = ["host_id", "instance_number", "instance_hostname", "health", "system_replication", "absent_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Database)
class DatabaseAdmin(ReadOnlyAdmin):
    list_display = ["sid", "health_badge", "tenant_list", "stale_at", "deregistered_at"]
    list_filter = ["health", "sid", StaleFilter, RegisteredFilter]
    search_fields = ["sid", "=id", "instances__instance_hostname"]
    inlines = [DatabaseInstanceInline]

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: Database) -> str:
        return badge(obj.health)

    @admin.display(description="tenants")
    def tenant_list(self, obj: Database) -> str:
        return ", ".join(filter(None, obj.tenant_names))


class ApplicationInstanceInline(DatabaseInstanceInline):
    model = ApplicationInstance
    fields = ["host_id", "instance_number", "instance_hostname", "features", "health", "clustered", "absent_at"]


@admin.register(SapSystem)
class SapSystemAdmin(ReadOnlyAdmin):
    list_display = ["sid", "health_badge", "database_health_badge", "tenant", "ensa_version", "registered", "stale_at"]
    list_filter = ["health", "sid", "ensa_version", "registered", StaleFilter, RegisteredFilter]
    search_fields = ["sid", "tenant", "db_host", "=id", "instances__instance_hostname"]
    inlines = [ApplicationInstanceInline]

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: SapSystem) -> str:
        return badge(obj.health)

    @admin.display(description="database", ordering="database_health")
    def database_health_badge(self, obj: SapSystem) -> str:
        return badge(obj.database_health)
