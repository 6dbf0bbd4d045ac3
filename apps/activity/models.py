"""The activity log (spec §6): every command and event with who did it, how severe it is and what
request it belongs to. It is a database view over the event store's two tables, not a copy of them."""

from django.db import models


class ActivityEntry(models.Model):
    class Kind(models.TextChoices):
        EVENT = "event", "Event"
        COMMAND = "command", "Command"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    id = models.CharField(primary_key=True, max_length=30)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField("what", max_length=150)
    stream_id = models.CharField("about", max_length=200)
    actor = models.CharField("who", max_length=200)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    entry_id = models.UUIDField("id of the event or command")
    correlation_id = models.UUIDField()
    cause_id = models.UUIDField(null=True)
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, help_text="A command's: accepted or rejected.")
    error = models.TextField(help_text="Why a command was rejected.")

    class Meta:
        managed = False
        db_table = "activity_log"
        ordering = ["-at"]
        verbose_name = "activity"
        verbose_name_plural = "activity log"

    def __str__(self) -> str:
        return f"{self.name} by {self.actor or 'Junction'}"
