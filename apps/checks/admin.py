"""The checks admin: the catalog as readable pages, load errors, executions, playground, settings.

The catalog has no table: ``CatalogCheck`` only gives it an entry on the admin index, whose views
read the in-memory catalog. Everything else is a thin layer over ``services``.
"""

import json
import uuid
from typing import Any

import markdown
import nh3
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from apps.checks import selectors, services
from apps.checks.catalog import catalog, catalog_groups, catalog_reload, check_get
from apps.checks.display import check_results_display, result_badge
from apps.checks.engine import Check, Target, validate_customization
from apps.checks.models import CatalogCheck, Customization, Execution, FactsRequest, ScheduledSelection
from apps.core.api import ApplicationError
from apps.live.admin import LiveAdminMixin

#: Env keys people filter the catalog by (spec §2), with the values Trento knows.
ENV_CHOICES = {
    "target_type": ["cluster", "host"],
    "provider": ["azure", "aws", "gcp", "kvm", "nutanix", "vmware", "unknown"],
    "cluster_type": ["hana_scale_up", "hana_scale_out", "ascs_ers"],
    "hana_scenario": ["performance_optimized", "cost_optimized"],
    "architecture_type": ["classic", "angi"],
}


def render_markdown(text: str) -> SafeString:
    """Markdown from a check file as HTML, sanitised (the files are not trusted input)."""
    return mark_safe(nh3.clean(markdown.markdown(text or "", extensions=["fenced_code", "tables"])))


def applies_to(check: Check) -> str:
    parts = [f"{key}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for key, v in check.metadata.items()]
    return "; ".join(parts) or "every target"


class JSONText(forms.CharField):
    """A textarea holding JSON, parsed on clean."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80, "class": "json-input"})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as error:
            raise ValidationError(f"Not valid JSON: {error}") from None


@admin.register(CatalogCheck)
class CatalogAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("errors/", view(self.errors_view), name="checks_catalog_errors"),
            path("reload/", view(self.reload_view), name="checks_catalog_reload"),
            path("playground/", view(self.playground_view), name="checks_playground"),
            path("<str:check_id>/", view(self.check_view), name="checks_catalog_check"),
            path("", view(self.changelist_view), name="checks_catalogcheck_changelist"),
        ]

    def render(self, request: HttpRequest, template: str, title: str, **context: Any) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context}
        return TemplateResponse(request, f"admin/checks/{template}", context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        loaded = catalog()
        env = {key: request.GET[key] for key in ENV_CHOICES if request.GET.get(key)}
        checks = loaded.select(loaded.checks, env)
        group, severity, query = request.GET.get("group", ""), request.GET.get("severity", ""), request.GET.get("q", "")
        if group:
            checks = [c for c in checks if c.group == group]
        if severity:
            checks = [c for c in checks if c.severity.value == severity]
        if query:
            words = query.lower().split()
            checks = [
                c for c in checks if all(w in f"{c.id} {c.name} {c.description} {c.group}".lower() for w in words)
            ]
        rows = [
            {
                "check": c,
                "name": render_markdown(c.name),
                "applies_to": applies_to(c),
                "badge": result_badge(c.severity),
            }
            for c in checks
        ]
        filters = {"group": catalog_groups(), "severity": ["critical", "warning"], **ENV_CHOICES}
        return self.render(
            request,
            "catalog.html",
            "Catalog",
            rows=rows,
            total=len(loaded.checks),
            errors=len(loaded.errors),
            filters=[(key, values, request.GET.get(key, "")) for key, values in filters.items()],
            query=query,
        )

    def check_view(self, request: HttpRequest, check_id: str) -> HttpResponse:
        check = check_get(check_id)
        if check is None or not self.has_view_permission(request):
            raise Http404
        return self.render(
            request,
            "check.html",
            f"{check.id} · {check.group}",
            check=check,
            name=render_markdown(check.name),
            description=render_markdown(check.description),
            remediation=render_markdown(check.remediation),
            applies_to=applies_to(check),
            badge=result_badge(check.severity),
            definition=json.dumps(selectors.check_json(check), indent=2),
        )

    def errors_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        return self.render(request, "load_errors.html", "Catalog load errors", errors=catalog().errors)

    def reload_view(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and self.has_view_permission(request):
            loaded = catalog_reload()
            self.message_user(request, f"Catalog reloaded: {len(loaded.checks)} checks, {len(loaded.errors)} problems.")
        return HttpResponseRedirect(reverse("admin:checks_catalogcheck_changelist"))

    def playground_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        initial = {"facts": '{"node1": {}}', "env": "{}"}
        if linked := check_get(request.GET.get("check_id", "")):  # "Try it in the playground" on a check
            facts = {fact.name: None for fact in linked.facts}
            initial.update(check_id=linked.id, facts=json.dumps({"node1": facts}, indent=2))
        form = PlaygroundForm(request.POST or None, initial=initial)
        result = error = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                check = (
                    services.check_from_yaml(data["check"])
                    if data["check"].strip()
                    else services.check_require(data["check_id"])
                )
                result = services.playground_evaluate(
                    check=check, env=data["env"] or {}, target_type=data["target_type"] or None, agents=data["facts"]
                )
            except ApplicationError as failure:
                error = failure
        return self.render(
            request,
            "playground.html",
            "Check playground",
            form=form,
            error=error,
            result=result,
            check_results=check_results_display(result) if result else [],
            result_json=json.dumps(result, indent=2) if result else "",
            badge=result_badge(result["result"]) if result else "",
        )


class PlaygroundForm(forms.Form):
    check_id = forms.CharField(required=False, label="Catalog check id", help_text="Or paste a check below.")
    check = forms.CharField(
        required=False,
        label="Check (YAML)",
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80, "class": "json-input"}),
    )
    target_type = forms.CharField(required=False, initial="cluster")
    env = JSONText(required=False, label="Env", help_text='e.g. {"provider": "azure"}')
    facts = JSONText(label="Facts", help_text='Agent → fact name → value, e.g. {"node1": {"token": 30000}}')

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("check_id") or "").strip() and not (data.get("check") or "").strip():
            raise ValidationError("Give a catalog check id or a check's YAML.")
        facts = data.get("facts")
        if "facts" in data and not (
            isinstance(facts, dict) and facts and all(isinstance(v, dict) for v in facts.values())
        ):
            self.add_error("facts", "An object of agent → {fact name: value}.")
        if data.get("env") is not None and not isinstance(data["env"], dict):
            self.add_error("env", "A JSON object.")
        return data


class FactsRequestInline(admin.TabularInline):
    model = FactsRequest
    extra = 0
    can_delete = False
    fields = ["agent_id", "status", "answered_at", "facts"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="gathered facts")
    def facts(self, request: FactsRequest) -> str:
        if request.gathered is None:
            return format_html("<small>{} fact(s) requested</small>", len(request.fact_requests))
        return format_html('<pre class="json-block">{}</pre>', json.dumps(request.gathered, indent=2))


class StartExecutionForm(forms.Form):
    group_id = forms.UUIDField(initial=uuid.uuid4)
    agent_ids = forms.CharField(
        label="Agents", widget=forms.Textarea(attrs={"rows": 3}), help_text="Agent ids (UUIDs), one a line."
    )
    checks = forms.CharField(help_text="Check ids separated by spaces or commas, e.g. 156F64 845CC9.")
    target_type = forms.CharField(initial="cluster")
    env = JSONText(
        required=False, initial="{}", help_text='e.g. {"provider": "azure", "cluster_type": "hana_scale_up"}'
    )

    def clean_agent_ids(self) -> list[str]:
        agents = self.cleaned_data["agent_ids"].split()
        try:
            return [str(uuid.UUID(agent)) for agent in agents]
        except ValueError:
            raise ValidationError("Each agent id must be a UUID.") from None

    def clean_checks(self) -> list[str]:
        return self.cleaned_data["checks"].replace(",", " ").split()

    def clean_env(self) -> dict[str, Any]:
        env = self.cleaned_data["env"] or {}
        if not isinstance(env, dict):
            raise ValidationError("A JSON object.")
        return env


@admin.register(Execution)
class ExecutionAdmin(LiveAdminMixin, admin.ModelAdmin):
    live_topic = "executions"
    list_display = ["short_id", "group_id", "status", "result_column", "counts", "started_at", "completed_at"]
    list_filter = ["status", "result", "target_type"]
    search_fields = ["id", "group_id", "started_by"]
    date_hierarchy = "started_at"
    inlines = [FactsRequestInline]
    fields = [
        "id",
        "group_id",
        "status",
        "result_column",
        "target_type",
        "env",
        "checks",
        "started_by",
        "started_at",
        "timeout_at",
        "completed_at",
        "timed_out_agents",
    ]
    readonly_fields = fields
    change_form_template = "admin/checks/execution/change_form.html"
    change_list_template = "admin/checks/execution/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        start = path("start/", self.admin_site.admin_view(self.start_view), name="checks_execution_start")
        return [start, *super().get_urls()]

    @admin.display(description="execution")
    def short_id(self, execution: Execution) -> str:
        return str(execution.pk)[:8]

    @admin.display(description="result", ordering="result")
    def result_column(self, execution: Execution) -> str:
        return result_badge(execution.result)

    @admin.display(description="critical / warning / passing")
    def counts(self, execution: Execution) -> str:
        if execution.result_data is None:
            return "-"
        return " / ".join(str(execution.count(r)) for r in ("critical", "warning", "passing"))

    @admin.display(description="timed out")
    def timed_out_agents(self, execution: Execution) -> str:
        return ", ".join(execution.result_data["timeout"]) if execution.result_data else "-"

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        execution = self.get_object(request, object_id)
        result = execution.result_data if execution is not None else None
        checks = check_results_display(result) if result else []
        for check in checks:
            found = check_get(check["check_id"])
            check["name"] = render_markdown(found.name) if found else ""
            check["url"] = reverse("admin:checks_catalog_check", args=[check["check_id"]]) if found else ""
        extra_context = {
            **(extra_context or {}),
            "check_results": checks,
            "result_json": json.dumps(result, indent=2, ensure_ascii=False) if result else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def start_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        form = StartExecutionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                execution = services.execution_start(
                    group_id=data["group_id"],
                    targets=[Target(agent, data["checks"]) for agent in data["agent_ids"]],
                    target_type=data["target_type"],
                    env=data["env"],
                    started_by=f"user {request.user.get_username()}",
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"Execution {execution.pk} started; agents are asked for their facts.")
                return HttpResponseRedirect(reverse("admin:checks_execution_change", args=[execution.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": "Start an execution"}
        return TemplateResponse(request, "admin/checks/start_execution.html", {**context, "form": form})


class CustomizationForm(forms.ModelForm):
    class Meta:
        model = Customization
        fields = ["group_id", "check_id", "values"]
        help_texts = {"values": 'Value name → custom value, e.g. {"expected_token_timeout": 30000}.'}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        check = check_get(data.get("check_id") or "")
        if check is None:
            self.add_error("check_id", "No such check in the catalog.")
        elif not isinstance(data.get("values"), dict):
            self.add_error("values", "A JSON object of value name → value.")
        else:
            values = [{"name": name, "value": value} for name, value in data["values"].items()]
            errors = validate_customization(check, values)
            if errors:
                self.add_error("values", [error.message for error in errors])
        return data


@admin.register(Customization)
class CustomizationAdmin(admin.ModelAdmin):
    form = CustomizationForm
    list_display = ["check_id", "group_id", "values", "updated_at"]
    search_fields = ["check_id", "group_id"]


@admin.register(ScheduledSelection)
class ScheduledSelectionAdmin(admin.ModelAdmin):
    list_display = ["name", "group_id", "interval_minutes", "is_active", "last_run_at", "next_run_at", "last_error"]
    list_filter = ["is_active"]
    search_fields = ["name", "group_id"]
    readonly_fields = ["last_run_at", "last_execution", "last_error"]
    actions = ["run_now"]

    @admin.action(description="Run the selected schedules now")
    def run_now(self, request: HttpRequest, queryset) -> None:
        started = sum(services.schedule_start(selection=selection) for selection in queryset)
        self.message_user(
            request, f"{started} execution(s) started.", messages.SUCCESS if started else messages.WARNING
        )
