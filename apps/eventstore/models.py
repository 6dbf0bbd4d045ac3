from django.core.exceptions import PermissionDenied
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Recorded events are append-only: they cannot be updated.")

    def delete(self):
        raise PermissionDenied("Recorded events are append-only: they cannot be deleted.")


class EventRecord(models.Model):
    """One recorded event. Rows are written by ``apps.eventstore.store.append`` and never change."""

    position = models.BigAutoField(primary_key=True, help_text="Global position, strictly increasing.")
    tx = models.BigIntegerField(
        default=0,
        editable=False,
        help_text="Id of the writing transaction on PostgreSQL (0 on SQLite); readers use it to "
        "never pass an event whose transaction may still commit.",
    )
    stream_id = models.CharField(max_length=200, help_text="The stream (usually one aggregate instance).")
    stream_version = models.PositiveIntegerField(help_text="Position of the event within its stream, from 1.")
    event_type = models.CharField(max_length=150)
    schema_version = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField()
    event_id = models.UUIDField(unique=True)
    cause_id = models.UUIDField(
        null=True, blank=True, db_index=True, help_text="The command or event that led to this event."
    )
    correlation_id = models.UUIDField(db_index=True, help_text="The external request at the root of it all.")
    actor = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "recorded event"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["stream_id", "stream_version"], name="eventstore_unique_stream_version"),
        ]
        indexes = [
            models.Index(fields=["tx", "position"], name="eventstore_read_order"),
            # A plain index: db_index would add a pattern-matching twin on PostgreSQL that no query uses
            # and every append pays for. With the position, the newest events of a type are an index read.
            models.Index(fields=["event_type", "position"], name="eventstore_type_position"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.event_type} ({self.stream_id} v{self.stream_version})"

    def save(self, *args, **kwargs):
        raise PermissionDenied("Events are recorded through apps.eventstore.store.append only.")

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Recorded events are append-only: they cannot be deleted.")


class CommandRecord(models.Model):
    """A command that changed something or was rejected: the other half of the causal tree."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    command_id = models.UUIDField(unique=True)
    command_type = models.CharField(max_length=150, db_index=True)
    stream_id = models.CharField(max_length=200)
    payload = models.JSONField()
    cause_id = models.UUIDField(null=True, blank=True)
    correlation_id = models.UUIDField(db_index=True)
    actor = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.command_type} → {self.stream_id} ({self.outcome})"


class Snapshot(models.Model):
    """The folded state of a long stream at a version, so loading it does not replay everything."""

    stream_id = models.CharField(max_length=200, primary_key=True)
    aggregate = models.CharField(max_length=150)
    schema = models.PositiveSmallIntegerField(help_text="The aggregate's snapshot schema; others are ignored.")
    version = models.PositiveIntegerField()
    state = models.JSONField()
    taken_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.stream_id} at v{self.version}"


class Subscription(models.Model):
    """The durable cursor of one named reader of the store, and its health."""

    name = models.CharField(max_length=150, unique=True)
    last_tx = models.BigIntegerField(default=0)
    last_position = models.BigIntegerField(default=0, help_text="The last event this subscription handled.")
    events_handled = models.BigIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    waiting_for = models.TextField(
        blank=True, help_text="What the last run waited for (another reader to catch up); it is tried again soon."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
