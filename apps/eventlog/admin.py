from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from apps.eventlog.models import LogAccess
from apps.eventstore.commands import public_commands
from apps.eventstore.models import EventRecord
from apps.hub.models import EventType


def known_event_types() -> list[str]:
    """Every event type a system could read: those configured, and those the store holds."""
    configured = EventType.objects.values_list("identifier", flat=True)
    recorded = EventRecord.objects.values_list("event_type", flat=True).distinct()
    return sorted({*configured, *recorded})


class LogAccessForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label="",  # the picker's own headings say it: "Available events", "Chosen events"
        required=False,
        widget=FilteredSelectMultiple("events", is_stacked=False),
        help_text=LogAccess._meta.get_field("event_types").help_text,
    )
    commands = forms.MultipleChoiceField(
        label="May send these commands",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "radiolist"}),  # the admin's style for choice lists
        help_text=LogAccess._meta.get_field("commands").help_text,
    )

    class Meta:
        model = LogAccess
        fields = ["system", "reads_feed", "event_types", "commands"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.instance.event_types if self.instance.pk else []
        self.fields["event_types"].choices = [(t, t) for t in sorted({*known_event_types(), *chosen})]
        commands = sorted(public_commands().values(), key=lambda spec: spec.title)
        self.fields["commands"].choices = [(spec.type, f"{spec.title} ({spec.type})") for spec in commands]


@admin.register(LogAccess)
class LogAccessAdmin(admin.ModelAdmin):
    form = LogAccessForm
    list_display = ["system", "reads_feed", "events_read", "commands_granted", "updated_at"]
    autocomplete_fields = ["system"]

    def get_fieldsets(self, request: HttpRequest, obj: LogAccess | None = None) -> list:
        return [
            (
                None,
                {
                    "fields": ["system", "reads_feed", "event_types", "commands"],
                    "description": "Outside systems can follow everything that happens in Junction, in order, and "
                    "send a few commands. They use the API keys or the OAuth2 client of their system (create them on "
                    "the system's page).",
                },
            ),
            ("How to use it", {"fields": [], "description": how_to_use(request.build_absolute_uri("/").rstrip("/"))}),
        ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("system")

    @admin.display(description="events")
    def events_read(self, access: LogAccess) -> str:
        return ", ".join(access.event_types) if access.event_types else "all"

    @admin.display(description="commands")
    def commands_granted(self, access: LogAccess) -> str:
        return ", ".join(access.commands) or "none"


def how_to_use(base: str) -> str:
    examples = [
        ("Read the first 100 events, then ask again with after= the value of next in the answer:",
         f"curl -H 'X-API-Key: YOUR_API_KEY' '{base}/api/v1/events?after=0&limit=100'"),
        ("Wait up to 30 s for what comes next:",
         f"curl -H 'X-API-Key: YOUR_API_KEY' '{base}/api/v1/events?after=NEXT&wait=30'"),
        ("Stay connected and receive each event as it happens (Server-Sent Events):",
         f"curl -N -H 'Accept: text/event-stream' -H 'X-API-Key: YOUR_API_KEY' '{base}/api/v1/events'"),
        ("Send a command:",
         f"curl -H 'X-API-Key: YOUR_API_KEY' -H 'Content-Type: application/json' {base}/api/v1/commands -d "
         "'{\"id\": \"<a new UUID>\", \"type\": \"SelectChecks\", \"target\": \"<cluster id>\", "
         "\"payload\": {\"checks\": [\"156F64\"]}}'"),
    ]  # fmt: skip
    return format_html(
        "{}<p>Every parameter is described in the API documentation (/api/docs/).</p>",
        format_html_join("", "<p>{}</p><pre>{}</pre>", examples),
    )
