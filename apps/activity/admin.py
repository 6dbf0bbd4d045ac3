"""The activity log for people: who did what, how bad it was, and a link to everything it caused."""

from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from apps.activity.models import ActivityEntry
from apps.eventstore.admin import ReadOnlyAdmin, tree_link

SEVERITY_COLOURS = {"critical": "#c62828", "warning": "#ef6c00", "info": "#757575"}


class WhoFilter(admin.SimpleListFilter):
    title = "who"
    parameter_name = "who"
    #: Actor spellings: "user <name>", "api key <prefix>", "oauth client <id>", "agent <id>"; empty or
    #: "scheduler" is Junction itself.
    PREFIXES = {"user": "user ", "api_key": "api key ", "oauth": "oauth client ", "agent": "agent "}

    def lookups(self, request, model_admin):
        return [("user", "People"), ("api_key", "API keys"), ("oauth", "OAuth2 clients"), ("agent", "Agents"),
                ("junction", "Junction itself")]  # fmt: skip

    def queryset(self, request, queryset):
        if self.value() == "junction":
            return queryset.filter(actor__in=["", "scheduler"])
        if self.value() in self.PREFIXES:
            return queryset.filter(actor__startswith=self.PREFIXES[self.value()])
        return queryset


@admin.register(ActivityEntry)
class ActivityEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "severity_badge", "kind", "name", "stream_id", "who", "caused", "outcome"]
    list_filter = ["severity", "kind", WhoFilter, "at"]
    search_fields = ["name"]  # see get_search_results
    date_hierarchy = "at"
    readonly_fields = ["severity_badge", "caused"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityEntry]:
        """Only the last ``ACTIVITY_LOG_RETENTION_DAYS``: older entries are pruned from the log."""
        since = timezone.now() - timedelta(days=settings.ACTIVITY_LOG_RETENTION_DAYS)
        return super().get_queryset(request).filter(at__gte=since)

    @admin.display(description="severity", ordering="severity")
    def severity_badge(self, obj: ActivityEntry) -> str:
        return format_html(
            '<span style="background:{};color:#fff;border-radius:8px;padding:1px 8px;font-size:11px">{}</span>',
            SEVERITY_COLOURS[obj.severity],
            obj.severity,
        )

    @admin.display(description="who", ordering="actor")
    def who(self, obj: ActivityEntry) -> str:
        return obj.actor or "Junction"

    @admin.display(description="what it caused")
    def caused(self, obj: ActivityEntry) -> str:
        return tree_link(obj.correlation_id)

    def get_search_results(self, request, queryset, search_term):
        """An id finds its entry and the whole request it belongs to; other words search what, who and about."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            uuid = UUID(term)
        except ValueError:
            text = Q(name__icontains=term) | Q(actor__icontains=term) | Q(stream_id__icontains=term)
            return queryset.filter(text), False
        return queryset.filter(Q(correlation_id=uuid) | Q(entry_id=uuid)), False
