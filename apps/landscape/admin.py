"""The landscape for people who do not read JSON: read-only lists with health badges, filters and search,
pages that show what agents report as tables and link hosts, clusters, databases and SAP systems to each
other, on each cluster and host the checks it runs, its last result and buttons to choose and run them,
and, while nothing has been reported yet, how to connect an agent."""

from itertools import zip_longest
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from apps.core.api import ApplicationError
from apps.eventstore.admin import ReadOnlyAdmin
from apps.hub.models import System
from apps.hub.sending import how_to_send
from apps.hub.services import AGENTS_SYSTEM
from apps.landscape import checks, selectors
from apps.landscape.models import ApplicationInstance, Cluster, Database, DatabaseInstance, Host, SapSystem
from apps.landscape.readable import readable
from apps.landscape.services import hub_behind, silence_allowed_while_behind
from apps.live.admin import LiveAdminMixin

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


def link(model_name: str, pk: Any, text: object) -> str:
    url = reverse(f"admin:landscape_{model_name}_change", args=[pk])
    return format_html('<a href="{}">{}</a>', url, text)


def link_by_name(model_name: str, pk: Any, name: str | None) -> str:
    """A link to a host, cluster … by its name (its id if it has none); just the id, without a link, when
    there is no such row (``name`` None): a host can name its cluster before the cluster is reported."""
    return str(pk) if name is None else link(model_name, pk, name or pk)


def name_of(model: type[Model], name_field: str, id_field: str) -> Subquery:
    """For ``annotate``: the name of the row of ``model`` whose id is in ``id_field`` (None if none)."""
    return Subquery(model.objects.filter(id=OuterRef(id_field)).values(name_field)[:1])


def instance_row(instance: DatabaseInstance | ApplicationInstance, model_name: str, pk: UUID) -> dict[str, Any]:
    """A row of a host's SAP instances, linked to the database (``model_name`` "database") or SAP system."""
    of = "Database" if model_name == "database" else "SAP system"
    return {
        "instance of": format_html("{} {}", of, link(model_name, pk, instance.sid)),
        "instance number": instance.instance_number,
        "features": instance.features,
        "health": badge(instance.health),
        "absent since": instance.absent_at,
    }


def connect_agent_hint(request: HttpRequest) -> dict[str, Any]:
    """What the hint on an empty list needs: Junction's URL and how agents send (with the Agents system,
    whose page is where its API keys are made; None if that system was deleted)."""
    base_url = request.build_absolute_uri("/").rstrip("/")
    agents = System.objects.filter(identifier=AGENTS_SYSTEM).first()
    how = how_to_send(base_url=base_url, system=agents) if agents else None
    return {"base_url": base_url, "system": agents, "how": how}


class ConnectAgentHintMixin:
    """A list with nothing in it yet says how to connect an agent: only agents fill the landscape."""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not self.model.objects.exists():
            extra_context = {"connect_agent": connect_agent_hint(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)


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


class ChecksSelectionForm(forms.Form):
    checks = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Checks to run",
        help_text="Only the catalog checks that apply to it as it is now (its type, provider, scenario) are "
        "listed. Leave all unticked to stop running checks here.",
    )

    def __init__(self, *args, applicable: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for check in sorted(applicable, key=lambda c: (c.group, c.name)):
            groups.setdefault(check.group, []).append((check.id, f"{check.name} ({check.id})"))
        self.fields["checks"].choices = list(groups.items())


class ChecksAdminMixin:
    """The checks panel of a cluster's or host's page, and its "Choose checks" and "Run checks now"."""

    checks_kind = ""

    def get_urls(self) -> list[URLPattern]:
        name = f"landscape_{self.checks_kind}"
        urls = [
            path("<uuid:object_id>/checks/", self.admin_site.admin_view(self.checks_view), name=f"{name}_checks"),
            path("<uuid:object_id>/checks/run/", self.admin_site.admin_view(self.run_view), name=f"{name}_checks_run"),
        ]
        return [*urls, *super().get_urls()]

    def get_fields(self, request: HttpRequest, obj: Cluster | Host | None = None) -> list[str]:
        """The checks right below the health they feed."""
        fields = [name for name in super().get_fields(request, obj) if name != "checks_panel"]
        at = fields.index("health") + 1 if "health" in fields else len(fields)
        return [*fields[:at], "checks_panel", *fields[at:]]

    @admin.display(description="checks")
    def checks_panel(self, obj: Cluster | Host) -> str:
        selected = checks.selected_checks(self.checks_kind, obj.pk)
        chosen = format_html_join(", ", "{}", ((check_id,) for check_id in selected)) or "none chosen yet"
        last = checks.last_execution(obj.pk)
        result = (
            format_html(
                '{} on {} (<a href="{}">see the results</a>)',
                badge(last.result or "running"),
                last.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                reverse("admin:checks_execution_change", args=[last.pk]),
            )
            if last
            else "never run"
        )
        name = f"admin:landscape_{self.checks_kind}"
        return format_html(
            '<p>Chosen: {}</p><p>Last run: {}</p><p><a class="button" href="{}">Choose checks</a> '
            '<button type="submit" class="button" formmethod="post" formaction="{}">Run checks now</button></p>',
            chosen,
            result,
            reverse(f"{name}_checks", args=[obj.pk]),
            reverse(f"{name}_checks_run", args=[obj.pk]),
        )

    def checks_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        group = self._group(object_id)
        form = ChecksSelectionForm(
            request.POST or None,
            initial={"checks": checks.selected_checks(self.checks_kind, group.pk)},
            applicable=checks.applicable_checks(self.checks_kind, group),
        )
        if request.method == "POST" and form.is_valid():
            actor = f"user {request.user.get_username()}"
            chosen = form.cleaned_data["checks"]
            checks.checks_select(kind=self.checks_kind, group_id=group.pk, checks=chosen, actor=actor)
            self.message_user(request, f"{len(chosen)} check(s) chosen for {group}.", messages.SUCCESS)
            if "_run" in request.POST:
                return self.run_view(request, object_id)
            return self._back_to(group)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Checks for {group}",
            "opts": self.model._meta,
            "original": group,
            "form": form,
            "ticked": set(form["checks"].value() or []),
        }
        return TemplateResponse(request, "admin/landscape/checks.html", context)

    def run_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        group = self._group(object_id)
        if request.method != "POST":
            return self._back_to(group)
        try:
            actor = f"user {request.user.get_username()}"
            execution = checks.execution_request(kind=self.checks_kind, group_id=group.pk, actor=actor)
        except ApplicationError as error:
            self.message_user(request, f"The checks did not start: {error.message}", messages.ERROR)
            return self._back_to(group)
        self.message_user(
            request,
            f"The checks are running on {len(execution.targets)} agent(s); the result appears here when they "
            "have all answered.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:checks_execution_change", args=[execution.pk]))

    def _group(self, object_id: str) -> Cluster | Host:
        try:
            return checks.group_get(self.checks_kind, object_id)
        except ApplicationError as error:
            raise Http404(error.message) from None

    def _back_to(self, group: Cluster | Host) -> HttpResponse:
        return HttpResponseRedirect(reverse(f"admin:landscape_{self.checks_kind}_change", args=[group.pk]))


@admin.register(Host)
class HostAdmin(LiveAdminMixin, ConnectAgentHintMixin, ChecksAdminMixin, ReadOnlyAdmin):
    live_topic = "hosts"
    list_display = ["hostname", "health_badge", "heartbeat_badge", "provider", "os_version", "agent_version", "cluster"]
    list_filter = ["health", "heartbeat", "provider", StaleFilter, RegisteredFilter]
    search_fields = ["hostname", "fully_qualified_domain_name", "addresses__address", "=id"]
    fields = [
        "id",
        "hostname",
        "fully_qualified_domain_name",
        "addresses_table",
        "agent_version",
        "arch",
        "os_version",
        "cpu_count",
        "socket_count",
        "total_memory_mb",
        "installation_source",
        "prometheus_targets_table",
        "prometheus_mode",
        "systemd_units_table",
        "last_boot_timestamp",
        "provider",
        "provider_data_table",
        "sles_subscriptions_table",
        "saptune_status_table",
        "saptune_health",
        "checks_health",
        "heartbeat",
        "health",
        "cluster",
        "cluster_host_status",
        "sap_instances_table",
        "stale_at",
        "deregistration_requested_at",
        "deregistered_at",
        "registered_at",
        "updated_at",
    ]
    readonly_fields = [
        "checks_panel",
        "addresses_table",
        "prometheus_targets_table",
        "systemd_units_table",
        "provider_data_table",
        "sles_subscriptions_table",
        "saptune_status_table",
        "cluster",
        "sap_instances_table",
    ]
    checks_kind = "host"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if hub_behind():
            messages.warning(
                request,
                "Junction is behind its agents' heartbeats right now: it is restarting, too busy, or cannot reach "
                "them. So that a slow moment does not mark every host as lost, a host reads critical only after "
                f"{silence_allowed_while_behind():.0f} seconds without a heartbeat until Junction catches up. If "
                "this message stays, look at the load of the machine that runs Junction.",
            )
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Host]:
        return super().get_queryset(request).annotate(cluster_name=name_of(Cluster, "name", "cluster_id"))

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: Host) -> str:
        return badge(obj.health)

    @admin.display(description="heartbeat", ordering="heartbeat")
    def heartbeat_badge(self, obj: Host) -> str:
        return badge(obj.heartbeat)

    @admin.display(description="cluster")
    def cluster(self, obj: Host) -> str:
        return link_by_name("cluster", obj.cluster_id, obj.cluster_name) if obj.cluster_id else "-"

    @admin.display(description="IP addresses")
    def addresses_table(self, obj: Host) -> str:
        pairs = zip_longest(obj.ip_addresses or [], obj.netmasks or [])
        return readable([{"address": address, "netmask": netmask} for address, netmask in pairs])

    @admin.display(description="Prometheus targets")
    def prometheus_targets_table(self, obj: Host) -> str:
        return readable(obj.prometheus_targets)

    @admin.display(description="systemd units")
    def systemd_units_table(self, obj: Host) -> str:
        return readable(obj.systemd_units)

    @admin.display(description="provider data")
    def provider_data_table(self, obj: Host) -> str:
        return readable(obj.provider_data)

    @admin.display(description="SLES subscriptions")
    def sles_subscriptions_table(self, obj: Host) -> str:
        return readable([model_to_dict(s, exclude=["id", "host"]) for s in obj.sles_subscriptions.all()])

    @admin.display(description="saptune")
    def saptune_status_table(self, obj: Host) -> str:
        return readable(obj.saptune_status)

    @admin.display(description="SAP instances")
    def sap_instances_table(self, obj: Host) -> str:
        """The databases' and SAP systems' instances this host runs, linked to their database or system."""
        rows = [instance_row(i, "database", i.database_id) for i in selectors.host_database_instances(obj.pk)]
        rows += [instance_row(i, "sapsystem", i.sap_system_id) for i in selectors.host_application_instances(obj.pk)]
        return readable(rows)


@admin.register(Cluster)
class ClusterAdmin(LiveAdminMixin, ConnectAgentHintMixin, ChecksAdminMixin, ReadOnlyAdmin):
    live_topic = "clusters"
    list_display = ["name", "type", "health_badge", "provider", "state", "hosts_number", "resources_number", "stale_at"]
    list_filter = ["health", "type", "provider", StaleFilter, RegisteredFilter]
    search_fields = ["name", "=id", "sap_instances"]
    fields = [
        "id",
        "name",
        "type",
        "state",
        "provider",
        "sap_instances_table",
        "resources_number",
        "hosts_number",
        "hosts_table",
        "details_table",
        "replication_health",
        "distributed_health",
        "sbd_health",
        "checks_health",
        "health",
        "stale_at",
        "deregistered_at",
        "registered_at",
        "updated_at",
    ]
    readonly_fields = ["checks_panel", "sap_instances_table", "hosts_table", "details_table"]
    checks_kind = "cluster"

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: Cluster) -> str:
        return badge(obj.health)

    @admin.display(description="hosts")
    def hosts_table(self, obj: Cluster) -> str:
        return readable(
            [
                {
                    "host": link("host", host.pk, host),
                    "status in the cluster": host.cluster_host_status,
                    "health": badge(host.health),
                    "heartbeat": badge(host.heartbeat),
                }
                for host in Host.objects.filter(cluster_id=obj.pk)
            ]
        )

    @admin.display(description="details")
    def details_table(self, obj: Cluster) -> str:
        return readable(obj.details)

    @admin.display(description="SAP instances")
    def sap_instances_table(self, obj: Cluster) -> str:
        return readable(obj.sap_instances)


class DatabaseInstanceInline(admin.TabularInline):
    model = DatabaseInstance
    fields = ["host", "instance_number", "instance_hostname", "health", "system_replication", "absent_at"]
    readonly_fields = ["host"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(hostname=name_of(Host, "hostname", "host_id"))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="host")
    def host(self, instance: DatabaseInstance | ApplicationInstance) -> str:
        return link_by_name("host", instance.host_id, instance.hostname)


@admin.register(Database)
class DatabaseAdmin(LiveAdminMixin, ReadOnlyAdmin):
    live_topic = "databases"
    list_display = ["sid", "health_badge", "tenant_list", "stale_at", "deregistered_at"]
    list_filter = ["health", "sid", StaleFilter, RegisteredFilter]
    search_fields = ["sid", "=id", "instances__instance_hostname"]
    fields = [
        "id",
        "sid",
        "tenants_table",
        "sap_systems",
        "health",
        "stale_at",
        "deregistered_at",
        "registered_at",
        "updated_at",
    ]
    readonly_fields = ["tenants_table", "sap_systems"]
    inlines = [DatabaseInstanceInline]

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: Database) -> str:
        return badge(obj.health)

    @admin.display(description="tenants")
    def tenant_list(self, obj: Database) -> str:
        return ", ".join(filter(None, obj.tenant_names))

    @admin.display(description="tenants")
    def tenants_table(self, obj: Database) -> str:
        return readable(obj.tenants)

    @admin.display(description="SAP systems using it")
    def sap_systems(self, obj: Database) -> str:
        systems = SapSystem.objects.filter(database_id=obj.pk)
        return format_html_join(", ", "{}", ((link("sapsystem", system.pk, system),) for system in systems)) or "-"


class ApplicationInstanceInline(DatabaseInstanceInline):
    model = ApplicationInstance
    fields = ["host", "instance_number", "instance_hostname", "features", "health", "absent_at"]


@admin.register(SapSystem)
class SapSystemAdmin(LiveAdminMixin, ReadOnlyAdmin):
    live_topic = "sap_systems"
    list_display = ["sid", "health_badge", "database_health_badge", "tenant", "ensa_version", "registered", "stale_at"]
    list_filter = ["health", "sid", "ensa_version", "registered", StaleFilter, RegisteredFilter]
    search_fields = ["sid", "tenant", "db_host", "=id", "instances__instance_hostname"]
    fields = [
        "id",
        "sid",
        "tenant",
        "db_host",
        "database",
        "ensa_version",
        "health",
        "database_health",
        "database_stale_at",
        "stale_at",
        "registered",
        "deregistered_at",
        "registered_at",
        "updated_at",
    ]
    readonly_fields = ["database"]
    inlines = [ApplicationInstanceInline]

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: SapSystem) -> str:
        return badge(obj.health)

    @admin.display(description="database", ordering="database_health")
    def database_health_badge(self, obj: SapSystem) -> str:
        return badge(obj.database_health)

    @admin.display(description="database")
    def database(self, obj: SapSystem) -> str:
        if not obj.database_id:
            return "-"
        sid = Database.objects.filter(pk=obj.database_id).values_list("sid", flat=True).first()
        return link_by_name("database", obj.database_id, sid)
