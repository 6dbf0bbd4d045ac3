"""The landscape for people who do not read JSON: read-only lists with health badges, filters and search,
and on each cluster and host the checks it runs, its last result and buttons to choose and run them."""

import json

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from apps.core.api import ApplicationError
from apps.eventstore.admin import ReadOnlyAdmin
from apps.landscape import checks
from apps.landscape.models import ApplicationInstance, Cluster, Database, DatabaseInstance, Host, SapSystem
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
            chosen = checks.checks_select(
                kind=self.checks_kind, group_id=group.pk, checks=form.cleaned_data["checks"], actor=actor
            )
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
class HostAdmin(LiveAdminMixin, ChecksAdminMixin, ReadOnlyAdmin):
    live_topic = "hosts"
    list_display = ["hostname", "health_badge", "heartbeat_badge", "provider", "os_version", "agent_version", "cluster"]
    list_filter = ["health", "heartbeat", "provider", StaleFilter, RegisteredFilter]
    search_fields = ["hostname", "fully_qualified_domain_name", "addresses__address", "=id"]
    exclude = ["provider_data", "saptune_status", "systemd_units", "prometheus_targets", "selected_checks"]
    readonly_fields = ["checks_panel", "pretty_provider_data", "pretty_saptune_status"]
    checks_kind = "host"

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
class ClusterAdmin(LiveAdminMixin, ChecksAdminMixin, ReadOnlyAdmin):
    live_topic = "clusters"
    list_display = ["name", "type", "health_badge", "provider", "state", "hosts_number", "resources_number", "stale_at"]
    list_filter = ["health", "type", "provider", StaleFilter, RegisteredFilter]
    search_fields = ["name", "=id", "sap_instances"]
    exclude = ["details", "sap_instances", "selected_checks"]
    readonly_fields = ["checks_panel", "pretty_details", "pretty_sap_instances"]
    checks_kind = "cluster"

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
class DatabaseAdmin(LiveAdminMixin, ReadOnlyAdmin):
    live_topic = "databases"
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
class SapSystemAdmin(LiveAdminMixin, ReadOnlyAdmin):
    live_topic = "sap_systems"
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
