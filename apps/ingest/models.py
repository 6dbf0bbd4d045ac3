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
