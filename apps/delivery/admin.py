import json
from uuid import UUID

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.delivery import selectors, services
from apps.delivery.forms import ReplayFilterForm
from apps.delivery.models import Execution, ReplayJob, Try
from apps.eventstore.admin import ReadOnlyAdmin, tree_link
from apps.eventstore.models import EventRecord
from apps.hub.admin import ActionAdmin, ContractAdmin
from apps.hub.models import Action, Contract
from apps.ingest.admin import ReceivedEventAdmin
from apps.ingest.models import ReceivedEvent
from apps.live.admin import LiveAdminMixin

STATE_COLOURS = {
    Execution.State.PENDING: "#79aec8",
    Execution.State.PROCESSING: "#417690",
    Execution.State.COMPLETED: "#2e7d32",
    Execution.State.FAILED: "#ef6c00",
    Execution.State.ERROR: "#ba2121",
}


def state_badge(execution: Execution) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px">{}</span>',
        STATE_COLOURS[execution.state],
        execution.get_state_display(),
    )


def pretty(text: str) -> str:
    """JSON bodies indented for reading; anything else as it is."""
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True)
    except (TypeError, ValueError):
        return text


def outcome_shown(attempt: Try) -> str:
    """A failed try's outcome as it turned out: the last try of an execution that gave up will not be retried."""
    execution = attempt.execution
    gave_up = execution.state == Execution.State.ERROR and attempt.number == execution.tries_count
    if attempt.outcome == Try.Outcome.TRANSIENT and gave_up:
        return "Failed, gave up"
    return attempt.get_outcome_display()


class TryInline(admin.StackedInline):
    model = Try
    extra = 0
    can_delete = False
    fields = ["summary", "side_by_side"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("execution")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="try")
    def summary(self, attempt: Try) -> str:
        status = attempt.response_status or "no response"
        duration = f"{attempt.duration_ms:.0f} ms" if attempt.duration_ms is not None else "-"
        return format_html(
            "<strong>#{}</strong> {} · {} · {} · {}{}",
            attempt.number,
            attempt.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            outcome_shown(attempt),
            status,
            duration,
            format_html(' · <span style="color:#ba2121">{}</span>', attempt.error) if attempt.error else "",
        )

    @admin.display(description="request and response")
    def side_by_side(self, attempt: Try) -> str:
        def headers(values: dict) -> str:
            return format_html_join("\n", "{}: {}", sorted(values.items()))

        return format_html(
            '<div style="display:flex;gap:1em"><div style="flex:1;min-width:0"><h4>Request</h4>'
            "<pre>{} {}\n{}\n\n{}</pre></div>"
            '<div style="flex:1;min-width:0"><h4>Response</h4><pre>{}\n{}\n\n{}{}</pre></div></div>',
            attempt.request_method,
            attempt.request_url,
            headers(attempt.request_headers),
            pretty(attempt.request_body),
            attempt.response_status or "(none)",
            headers(attempt.response_headers),
            pretty(attempt.response_body),
            "\n… (truncated)" if attempt.response_truncated else "",
        )


@admin.register(Execution)
class ExecutionAdmin(LiveAdminMixin, ReadOnlyAdmin):
    live_topic = "deliveries"
    list_display = ["created_at", "contract", "event_type", "badge", "tries_count", "short_error", "correlation"]
    list_filter = ["state", "contract", "action__system", "created_at"]
    list_select_related = ["contract", "action"]
    search_fields = ["event_type"]  # searched by selectors.execution_search
    search_help_text = (
        "An execution, event or request (correlation) id, a contract's name, an event type, "
        f"or any text of the event itself (events of the last {selectors.PAYLOAD_SEARCH_DAYS} days)."
    )
    date_hierarchy = "created_at"
    fields = [
        "badge", "contract", "action", "event_type", "event_id", "correlation", "tries_count",
        "next_attempt_at", "last_error", "chain_depth", "created_at", "completed_at", "incoming_event",
    ]  # fmt: skip
    readonly_fields = [*fields]
    inlines = [TryInline]
    actions = ["replay_selected"]
    change_form_template = "admin/delivery/execution/change_form.html"
    change_list_template = "admin/delivery/execution/change_list.html"

    def get_fields(self, request: HttpRequest, obj: Execution | None = None) -> list[str]:
        """A finished execution has no next attempt."""
        final = obj is not None and obj.state in (Execution.State.COMPLETED, Execution.State.ERROR)
        return [name for name in self.fields if not (final and name == "next_attempt_at")]

    @admin.display(description="state", ordering="state")
    def badge(self, execution: Execution) -> str:
        return state_badge(execution)

    def get_search_results(self, request: HttpRequest, queryset, search_term: str) -> tuple:
        term = search_term.strip()
        return (selectors.execution_search(queryset, term) if term else queryset), False

    @admin.display(description="the event it delivers")
    def incoming_event(self, execution: Execution) -> str:
        data = EventRecord.objects.filter(event_id=execution.event_id).values_list("data", flat=True).first()
        if data is None:
            return "The event is no longer in the event store."
        return format_html("<pre>{}</pre>", json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))

    @admin.display(description="last error")
    def short_error(self, execution: Execution) -> str:
        return execution.last_error[:80]

    @admin.display(description="request")
    def correlation(self, execution: Execution) -> str:
        return tree_link(execution.correlation_id)

    @admin.action(description="Replay selected executions (same idempotency key)")
    def replay_selected(self, request: HttpRequest, queryset) -> None:
        replayed = sum(services.execution_replay(execution=execution) for execution in queryset)
        skipped = queryset.count() - replayed
        self.message_user(request, f"{replayed} executions will be tried again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} were running and were left alone.", messages.WARNING)

    def get_urls(self):
        replay = path(
            "<uuid:execution_id>/replay/",
            self.admin_site.admin_view(self.replay_view),
            name="delivery_execution_replay",
        )
        by_filter = path(
            "replay-by-filter/",
            self.admin_site.admin_view(self.replay_filter_view),
            name="delivery_execution_replay_filter",
        )
        return [replay, by_filter, *super().get_urls()]

    def replay_filter_view(self, request: HttpRequest) -> HttpResponse:
        """Replay every execution matching a filter as a background job (the list's filters come along)."""
        initial = {"states": request.GET.getlist("state__exact"), "contract": request.GET.get("contract__id__exact")}
        form = ReplayFilterForm(request.POST or None, initial=initial)
        matching = None
        if request.method == "POST" and form.is_valid():
            if "_count" in request.POST:
                matching = services.replay_job_executions(ReplayJob(**form.cleaned_data)).count()
            else:
                job = services.replay_job_create(**form.cleaned_data, requested_by=request.user.get_username())
                self.message_user(request, f"Replaying {job.total} deliveries in the background.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:delivery_replayjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Replay deliveries by filter",
            "form": form,
            "matching": matching,
        }
        return TemplateResponse(request, "admin/delivery/replay_filter.html", context)

    def replay_view(self, request: HttpRequest, execution_id: UUID) -> HttpResponseRedirect:
        execution = get_object_or_404(Execution, pk=execution_id)
        if request.method == "POST":
            if services.execution_replay(execution=execution):
                self.message_user(request, "A new try is on its way, with the same idempotency key.", messages.SUCCESS)
            else:
                self.message_user(request, "This execution is running right now; try again later.", messages.WARNING)
        return HttpResponseRedirect(reverse("admin:delivery_execution_change", args=[execution.pk]))


@admin.register(ReplayJob)
class ReplayJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "filters", "progress_bar", "state", "requested_by"]
    list_filter = ["state"]
    fields = [
        "filters", "state", "total", "replayed", "skipped", "requested_by", "created_at", "finished_at",
    ]  # fmt: skip
    readonly_fields = fields
    change_form_template = "admin/delivery/replayjob/change_form.html"
    change_list_template = "admin/delivery/replayjob/change_list.html"

    @admin.display(description="progress")
    def progress_bar(self, job: ReplayJob) -> str:
        return format_html(
            '<progress max="1" value="{}"></progress> {} / {}', f"{job.progress:.3f}", job.replayed, job.total
        )

    @admin.display(description="which deliveries")
    def filters(self, job: ReplayJob) -> str:
        parts = [
            f"contract {job.contract}" if job.contract_id else "",
            f"action {job.action}" if job.action_id else "",
            "state " + " or ".join(job.states) if job.states else "",
            f"from {job.created_from:%Y-%m-%d %H:%M}" if job.created_from else "",
            f"until {job.created_until:%Y-%m-%d %H:%M}" if job.created_until else "",
        ]
        return ", ".join(part for part in parts if part) or "all"


def success_rate(finished: int, completed: int) -> str:
    return f"{completed / finished:.0%} of {finished}" if finished else "no runs yet"


# Delivery knows how contracts fare, so it extends the hub's contract admin with their outcomes.
admin.site.unregister(Contract)


@admin.register(Contract)
class ContractWithOutcomesAdmin(ContractAdmin):
    list_display = [*ContractAdmin.list_display, "success"]

    def get_queryset(self, request: HttpRequest):
        return selectors.with_outcome_counts(super().get_queryset(request))

    def get_fieldsets(self, request: HttpRequest, obj: Contract | None = None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append(("How it has been going", {"fields": ["success", "last_outcomes"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Contract | None = None):
        return [*super().get_readonly_fields(request, obj), "success", "last_outcomes"]

    @admin.display(description="success rate")
    def success(self, contract: Contract) -> str:
        return success_rate(getattr(contract, "finished_count", 0), getattr(contract, "completed_count", 0))

    @admin.display(description="last outcomes")
    def last_outcomes(self, contract: Contract) -> str:
        executions = selectors.recent_executions(contract_id=contract.pk)
        if not executions:
            return "No event has run this contract yet."
        return format_html_join(
            "",
            '<div><a href="{}">{}</a> {} · {} tries{}</div>',
            (
                (
                    reverse("admin:delivery_execution_change", args=[e.pk]),
                    e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    state_badge(e),
                    e.tries_count,
                    format_html(' · <span class="quiet">{}</span>', e.last_error[:100]) if e.last_error else "",
                )
                for e in executions
            ),
        )


# Delivery runs the contracts, so it gives received events a way to run them again.
admin.site.unregister(ReceivedEvent)


@admin.register(ReceivedEvent)
class ReceivedEventWithRerunAdmin(ReceivedEventAdmin):
    actions = ["rerun_contracts"]

    @admin.action(description="Run the contracts of the selected events again")
    def rerun_contracts(self, request: HttpRequest, queryset) -> None:
        executions = sum(services.event_rerun(event_id=event.event_id) for event in queryset)
        self.message_user(
            request,
            f"{executions} executions of {queryset.count()} events will run again (the same idempotency keys).",
            messages.SUCCESS,
        )


# Delivery knows how each action's endpoint answers, so it shows that on the action and can resume it.
admin.site.unregister(Action)


def delivery_status(action: Action) -> str:
    """Delivering / Paused (breaker open) / Disabled, as a badge with what it means."""
    endpoint = getattr(action, "endpoint", None)
    if action.disabled_at is not None:
        colour, label, title = "#ba2121", "Disabled", action.disabled_reason
    elif endpoint is not None and endpoint.open_until is not None:
        resume = timezone.localtime(endpoint.open_until).strftime("%H:%M:%S")
        colour, label = "#ef6c00", "Paused"
        title = f"{endpoint.consecutive_failures} failures in a row; the next try goes out at {resume}."
    else:
        colour, label, title = "#2e7d32", "Delivering", "The endpoint answers; deliveries go out as events arrive."
    return format_html(
        '<span title="{}" style="background:{};color:#fff;padding:2px 8px;border-radius:10px">{}</span>',
        title,
        colour,
        label,
    )


@admin.register(Action)
class ActionWithDeliveryAdmin(ActionAdmin):
    list_display = [*ActionAdmin.list_display[:-1], "delivery", *ActionAdmin.list_display[-1:]]
    list_select_related = [*ActionAdmin.list_select_related, "endpoint"]
    actions = ["enable_selected"]

    def get_fieldsets(self, request: HttpRequest, obj: Action | None = None):
        fieldsets = [
            (name, {**options, "fields": [*options["fields"], "max_in_flight", "ordering_key"]})
            if name == "Delivery & retries"
            else (name, options)
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None:  # first when something is wrong: that is what the person came to see
            endpoint = getattr(obj, "endpoint", None)
            trouble = obj.disabled_at is not None or (endpoint is not None and endpoint.open_until is not None)
            fieldsets.insert(0 if trouble else 1, ("Delivery status", {"fields": ["delivery", "endpoint_health"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Action | None = None):
        return [*super().get_readonly_fields(request, obj), "delivery", "endpoint_health"]

    @admin.display(description="delivery")
    def delivery(self, action: Action) -> str:
        return delivery_status(action)

    @admin.display(description="what happened")
    def endpoint_health(self, action: Action) -> str:
        endpoint = getattr(action, "endpoint", None)
        if action.disabled_at is not None:
            return format_html(
                "Disabled since {}: {} Its deliveries are kept and wait. Fix the endpoint, then press "
                "<strong>Enable again</strong> at the top of this page.",
                timezone.localtime(action.disabled_at).strftime("%Y-%m-%d %H:%M:%S"),
                action.disabled_reason,
            )
        if endpoint is None or not endpoint.consecutive_failures:
            return "No failures lately."
        since = timezone.localtime(endpoint.failing_since).strftime("%Y-%m-%d %H:%M:%S")
        failures = endpoint.consecutive_failures
        text = f"{failures} failed tries in a row since {since}. Last error: {endpoint.last_error}."
        if endpoint.open_until is not None:
            probe = timezone.localtime(endpoint.open_until).strftime("%H:%M:%S")
            text += f" Deliveries wait, without using their tries, until one sent at {probe} as a probe succeeds."
        return text

    def get_urls(self) -> list[URLPattern]:
        enable = path(
            "<path:object_id>/enable/", self.admin_site.admin_view(self.enable_view), name="hub_action_enable"
        )
        return [enable, *super().get_urls()]

    def enable_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        action = self.object_for_change(request, object_id)
        if request.method == "POST":
            services.action_enable(action)
            self.log_change(request, action, "Enabled deliveries again.")
            self.message_user(request, f"{action} delivers again: its waiting deliveries go out now.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:hub_action_change", args=[action.pk]))
        intro = (
            f"Junction stopped delivering to {action}: {action.disabled_reason} Its deliveries were kept. "
            "Enable it once the endpoint works again: the waiting deliveries go out at once, and if the "
            "endpoint still fails, Junction pauses it again."
        )
        return self.confirm_page(request, action, title=f"Enable {action} again", intro=intro, submit="Enable again")

    @admin.action(description="Enable the selected actions again")
    def enable_selected(self, request: HttpRequest, queryset) -> None:
        disabled = list(queryset.filter(disabled_at__isnull=False))
        for action in disabled:
            services.action_enable(action)
        self.message_user(request, f"{len(disabled)} actions deliver again.", messages.SUCCESS)
