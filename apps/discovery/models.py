"""What agents sent: every accepted envelope as received, the rejected ones, and the last one per agent and type."""

import uuid

from django.db import models


class DiscoveryEvent(models.Model):
    """One accepted collect envelope, stored as received before any processing (the audit log)."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be processed"
        PROCESSED = "processed", "Processed"
        DISCARDED = "discarded", "Rejected (see discarded discoveries)"
        SUPERSEDED = "superseded", "Skipped: a newer discovery of the same agent and type came first"
        DROPPED = "dropped", "Skipped: the same target was being observed at that moment"

    #: The cause of every command dispatched for it.
    envelope_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    #: The root of everything it causes (a new id per envelope, also for a retry).
    correlation_id = models.UUIDField(default=uuid.uuid4, editable=False)
    agent_id = models.UUIDField()
    discovery_type = models.CharField(max_length=60)
    payload = models.JSONField(null=True)
    payload_hash = models.CharField(max_length=64, help_text="sha256 of the envelope as received.")
    #: payload_hash plus the read-model facts the policy depends on: what "identical" compares.
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    received_at = models.DateTimeField(db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "discovery"
        verbose_name_plural = "discoveries"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["agent_id", "discovery_type", "id"], name="discovery_latest_per_type"),
            models.Index(fields=["state", "received_at"], name="discovery_state_received"),
        ]

    def __str__(self) -> str:
        return f"{self.discovery_type} from {self.agent_id} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class DiscardedDiscoveryEvent(models.Model):
    """A discovery that could not be turned into accepted commands (dead letter), with the reason."""

    discovery = models.ForeignKey(
        DiscoveryEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="discards"
    )
    agent_id = models.UUIDField()
    discovery_type = models.CharField(max_length=60)
    payload = models.JSONField(null=True)
    code = models.CharField(max_length=60, help_text="Why, as a stable code.")
    reason = models.TextField()
    details = models.JSONField(null=True, blank=True)
    discarded_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "discarded discovery"
        verbose_name_plural = "discarded discoveries"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.discovery_type} from {self.agent_id}: {self.code}"


class LastDiscovery(models.Model):
    """The fingerprint of the last discovery of an agent and type processed without rejection.

    A discovery with the same fingerprint does no further work. Rows are forgotten when a host's
    heartbeat fails or it is deregistered, so the next discoveries re-assert its data.
    """

    agent_id = models.UUIDField()
    discovery_type = models.CharField(max_length=60)
    fingerprint = models.CharField(max_length=64)
    processed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent_id", "discovery_type"], name="discovery_unique_last_per_type")
        ]

    def __str__(self) -> str:
        return f"last {self.discovery_type} of {self.agent_id}"
