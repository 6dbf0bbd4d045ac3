from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.eventstore.models import CommandRecord


def activity_prune() -> int:
    """Delete the command records older than ``ACTIVITY_LOG_RETENTION_DAYS``; returns how many.

    The log shows only that many days. Events stay: the event store is the record of what happened and
    is never rewritten; command records are only the log of what was asked.
    """
    before = timezone.now() - timedelta(days=settings.ACTIVITY_LOG_RETENTION_DAYS)
    deleted, _ = CommandRecord.objects.filter(recorded_at__lt=before).delete()
    return deleted
