from django.db import models


class LogAccess(models.Model):
    """What a system may do with the event log from outside: follow the feed, send public commands."""

    system = models.OneToOneField(
        "hub.System",
        on_delete=models.CASCADE,
        related_name="log_access",
        help_text="The system whose API keys and OAuth2 clients get this access.",
    )
    reads_feed = models.BooleanField(
        "may read the event log",
        default=True,
        help_text="Lets the system follow GET /api/v1/events with its API key (secrets in payloads are hidden).",
    )
    event_types = models.JSONField(
        "only these events",
        default=list,
        blank=True,
        help_text="Leave empty to let it read every event; otherwise it reads only the events picked here.",
    )
    commands = models.JSONField(
        "may send these commands",
        default=list,
        blank=True,
        help_text="The public commands it may send to POST /api/v1/commands.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "event log access"
        verbose_name_plural = "event log access"

    def __str__(self) -> str:
        return f"Event log access of {self.system}"
