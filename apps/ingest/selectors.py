from datetime import datetime

from django.db.models import Count

from apps.eventstore.selectors import first_position_since
from apps.ingest.models import ReceivedEvent, RefusedRequest


def received_count(*, since: datetime) -> int:
    return ReceivedEvent.objects.filter(position__gte=first_position_since(since)).count()


def refused_by_system(*, since: datetime) -> list[tuple[str, int | None, int]]:
    """(system name, system id, refusals) since ``since``, the most refused first; unknown senders have no id."""
    rows = (
        RefusedRequest.objects.filter(received_at__gte=since)
        .values("system_id", "system__name")
        .annotate(count=Count("id"))
        .order_by("-count")
    )
    return [(row["system__name"] or "Unknown sender", row["system_id"], row["count"]) for row in rows]
