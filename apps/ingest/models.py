from django.db import models

from apps.eventstore.models import EventRecord


class IdempotencyKey(models.Model):
    """A producer's ``Idempotency-Key``: a repeated request answers with the first one's event."""

    system = models.ForeignKey("hub.System", on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    event_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="ingest_unique_idempotency_key")]

    def __str__(self) -> str:
        return self.key


class ReceivedEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        return EventRecord.objects.none().update(**kwargs)

    def delete(self):
        return EventRecord.objects.none().delete()


class ReceivedEventManager(models.Manager.from_queryset(ReceivedEventQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(stream_id__startswith="received-")


class ReceivedEvent(EventRecord):
    """The events producers sent to the webhook, as recorded in the event store."""

    objects = ReceivedEventManager()

    class Meta:
        proxy = True
        verbose_name = "received event"
        ordering = ["-position"]


class RefusedRequest(models.Model):
    """A webhook request that was refused, kept so an integrator can see why a producer fails.

    Only the newest ``INGEST_REFUSALS_KEPT`` per system stay (and as many whose system is unknown);
    credentials (headers and the ``access_key`` parameter) are never kept.
    """

    system = models.ForeignKey(
        "hub.System", null=True, blank=True, on_delete=models.CASCADE, related_name="refused_requests",
        help_text="The sending system, or the system the event belongs to when the sender was not recognised.",
    )  # fmt: skip
    event_identifier = models.CharField("event", max_length=200)
    status = models.PositiveSmallIntegerField("answer")
    code = models.CharField(max_length=60)
    message = models.TextField("why")
    remote_address = models.GenericIPAddressField("from address", null=True, blank=True)
    headers = models.JSONField(default=dict)
    body_excerpt = models.TextField("body (start)", blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["system", "id"], name="ingest_refused_per_system")]

    def __str__(self) -> str:
        return f"{self.status} {self.code} for {self.event_identifier}"
