from typing import Any
from uuid import UUID

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.eventstore.admin import ReadOnlyAdmin, tree_link
from apps.hub.admin import json_block, readable_body
from apps.hub.models import EventType, System
from apps.ingest.models import ReceivedEvent, RefusedRequest


class SystemFilter(admin.SimpleListFilter):
    title = "system"
    parameter_name = "system"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        producers = System.all_objects.filter(role__in=[System.Role.PRODUCER, System.Role.BOTH])
        return list(producers.order_by("name").values_list("identifier", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(data__system=self.value()) if self.value() else queryset


class EventTypeFilter(admin.SimpleListFilter):
    title = "event"
    parameter_name = "event"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        events = EventType.all_objects.select_related("system").order_by("system__name", "name")
        return [(event.identifier, f"{event.system.name} · {event.name}") for event in events]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(event_type=self.value()) if self.value() else queryset


@admin.register(ReceivedEvent)
class ReceivedEventAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "event_type", "system", "actor", "caused"]
    list_filter = [SystemFilter, EventTypeFilter, "recorded_at"]
    date_hierarchy = "recorded_at"
    search_fields = ["=event_id"]
    search_help_text = "An event id (as the webhook answered it), or part of an event's identifier."
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["recorded_at", "event_type", "system", "event_id", "actor", "caused"]}),
        ("Body", {"fields": ["body"]}),
        ("Headers and query parameters", {"fields": ["headers", "query"]}),
    ]
    readonly_fields = ["recorded_at", "event_type", "system", "event_id", "actor", "caused", "body", "headers", "query"]

    @admin.display(description="system")
    def system(self, event: ReceivedEvent) -> str:
        return event.data.get("system", "")

    @admin.display(description="what it caused")
    def caused(self, event: ReceivedEvent) -> str:
        return tree_link(event.correlation_id)

    @admin.display(description="body")
    def body(self, event: ReceivedEvent) -> SafeString:
        return json_block(event.data.get("body"))

    @admin.display(description="headers")
    def headers(self, event: ReceivedEvent) -> SafeString:
        return json_block(event.data.get("headers", {}))

    @admin.display(description="query parameters")
    def query(self, event: ReceivedEvent) -> SafeString:
        return json_block(event.data.get("query", {}))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, Any]:
        term = search_term.strip()
        try:
            UUID(term)
        except ValueError:
            # event_id is a UUID column, where another term would be an error: it searches event types instead.
            return (queryset.filter(event_type__icontains=term) if term else queryset), False
        return super().get_search_results(request, queryset, term)


@admin.register(RefusedRequest)
class RefusedRequestAdmin(ReadOnlyAdmin):
    """Why a producer's requests fail: what was refused, with the answer it got (credentials are not kept)."""

    list_display = ["received_at", "system", "event_identifier", "status", "message", "remote_address"]
    list_filter = [("system", admin.RelatedOnlyFieldListFilter), "status", "code", "received_at"]
    list_select_related = ["system"]
    search_fields = ["event_identifier", "code", "message", "body_excerpt"]
    search_help_text = "Part of the event's identifier, the error or the body."
    date_hierarchy = "received_at"
    fields = ["received_at", "system", "event_identifier", "status", "code", "message", "remote_address",
              "shown_headers", "shown_body"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="headers (without credentials)")
    def shown_headers(self, refusal: RefusedRequest) -> SafeString:
        return json_block(refusal.headers)

    @admin.display(description="body (first 2,000 characters)")
    def shown_body(self, refusal: RefusedRequest) -> SafeString:
        return format_html('<pre class="json-block">{}</pre>', readable_body(refusal.body_excerpt))
