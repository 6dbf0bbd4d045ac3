"""What agents sent: the discovery log and the dead letters (with a retry action)."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from apps.discovery import services
from apps.discovery.models import DiscardedDiscoveryEvent, DiscoveryEvent
from apps.eventstore.admin import ReadOnlyAdmin, tree_link


def pretty(value: object) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


@admin.register(DiscoveryEvent)
class DiscoveryEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "discovery_type", "agent_id", "state", "correlation"]
    list_filter = ["discovery_type", "state", "received_at"]
    search_fields = ["=agent_id", "=envelope_id", "=correlation_id"]
    date_hierarchy = "received_at"
    exclude = ["payload"]
    readonly_fields = ["pretty_payload", "correlation"]
    show_full_result_count = False

    @admin.display(description="what it caused")
    def correlation(self, obj: DiscoveryEvent) -> str:
        return tree_link(obj.correlation_id)

    @admin.display(description="payload")
    def pretty_payload(self, obj: DiscoveryEvent) -> str:
        return pretty(obj.payload)


@admin.register(DiscardedDiscoveryEvent)
class DiscardedDiscoveryEventAdmin(ReadOnlyAdmin):
    list_display = ["discarded_at", "discovery_type", "agent_id", "code", "reason"]
    list_filter = ["code", "discovery_type", "discarded_at"]
    search_fields = ["=agent_id", "reason"]
    exclude = ["payload", "details"]
    readonly_fields = ["pretty_payload", "pretty_details"]
    actions = ["retry"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    @admin.display(description="payload")
    def pretty_payload(self, obj: DiscardedDiscoveryEvent) -> str:
        return pretty(obj.payload)

    @admin.display(description="details")
    def pretty_details(self, obj: DiscardedDiscoveryEvent) -> str:
        return pretty(obj.details)

    @admin.action(description="Retry the selected discoveries now")
    def retry(self, request: HttpRequest, queryset: QuerySet[DiscardedDiscoveryEvent]) -> None:
        outcomes = [services.discarded_retry(discarded=discarded) for discarded in queryset.order_by("pk")]
        passed = outcomes.count(DiscoveryEvent.State.PROCESSED)
        self.message_user(
            request,
            f"{passed} of {len(outcomes)} went through; the others are discarded again with their new reason.",
            messages.SUCCESS if passed == len(outcomes) else messages.WARNING,
        )
