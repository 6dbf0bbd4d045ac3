import json
from uuid import UUID

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from apps.eventstore import subscriptions
from apps.eventstore.models import CommandRecord, EventRecord, Subscription
from apps.eventstore.selectors import causal_tree, tree_size


class ReadOnlyAdmin(admin.ModelAdmin):
    """The event store is a record of what happened: people read it, nobody edits it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def tree_link(correlation_id: UUID) -> str:
    url = reverse("admin:eventstore_causal_tree", args=[correlation_id])
    return format_html('<a href="{}" title="Show everything this request caused">{}</a>', url, str(correlation_id)[:8])


@admin.register(EventRecord)
class EventRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "position",
        "event_type",
        "stream_id",
        "stream_version",
        "correlation",
        "actor",
        "recorded_at",
    ]
    list_filter = ["event_type", "recorded_at"]
    search_fields = ["=event_id", "=correlation_id", "=cause_id", "stream_id"]
    date_hierarchy = "recorded_at"
    readonly_fields = ["pretty_data", "correlation"]
    exclude = ["data"]
    show_full_result_count = False

    @admin.display(description="correlation")
    def correlation(self, obj: EventRecord) -> str:
        return tree_link(obj.correlation_id)

    @admin.display(description="data")
    def pretty_data(self, obj: EventRecord) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, sort_keys=True))

    def get_search_results(self, request, queryset, search_term):
        # The id fields are UUIDs: a search term that is not one only looks at stream ids.
        try:
            UUID(search_term)
        except ValueError:
            return queryset.filter(stream_id__icontains=search_term), False
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self):
        tree = path(
            "tree/<uuid:correlation_id>/",
            self.admin_site.admin_view(self.tree_view),
            name="eventstore_causal_tree",
        )
        return [tree, *super().get_urls()]

    def tree_view(self, request: HttpRequest, correlation_id: UUID) -> HttpResponse:
        roots = causal_tree(correlation_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Causal tree of {correlation_id}",
            "roots": roots,
            "size": tree_size(roots),
            "correlation_id": correlation_id,
            "opts": self.model._meta,
        }
        return render(request, "admin/eventstore/causal_tree.html", context)


@admin.register(CommandRecord)
class CommandRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "recorded_at",
        "command_type",
        "stream_id",
        "outcome",
        "error_code",
        "correlation",
        "actor",
    ]
    list_filter = ["outcome", "command_type", "recorded_at"]
    search_fields = ["stream_id", "command_type", "error_code"]

    @admin.display(description="correlation")
    def correlation(self, obj: CommandRecord) -> str:
        return tree_link(obj.correlation_id)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_position", "events_handled", "behind", "status", "updated_at"]
    readonly_fields = [
        "name",
        "last_position",
        "events_handled",
        "last_error",
        "failing_since",
        "waiting_for",
        "updated_at",
    ]
    exclude = ["last_tx"]
    actions = ["run_now", "rebuild"]

    @admin.display(description="events behind")
    def behind(self, obj: Subscription) -> int:
        return subscriptions.lag(obj.name)

    @admin.display(description="status")
    def status(self, obj: Subscription) -> str:
        if obj.failing_since:
            return format_html('<span style="color:#ba2121">failing since {}</span>', obj.failing_since)
        if obj.waiting_for:
            return format_html('<span class="quiet">waiting: {}</span>', obj.waiting_for)
        return "ok"

    @admin.action(description="Catch up now")
    def run_now(self, request: HttpRequest, queryset) -> None:
        for sub in queryset.filter(name__in=subscriptions.registered()):
            read = subscriptions.run_subscription(sub.name)
            self.message_user(request, f"{sub.name}: read {read} events.", messages.SUCCESS)

    @admin.action(description="Rebuild from the first event (clears the read model)")
    def rebuild(self, request: HttpRequest, queryset) -> None:
        for sub in queryset.filter(name__in=subscriptions.registered()):
            subscriptions.reset_subscription(sub.name)
            read = subscriptions.run_subscription(sub.name)
            self.message_user(request, f"{sub.name}: rebuilt from {read} events.", messages.SUCCESS)
