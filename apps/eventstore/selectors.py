from datetime import datetime
from typing import Any
from uuid import UUID

from apps.eventstore.models import CommandRecord, EventRecord


def causal_tree(correlation_id: UUID) -> list[dict[str, Any]]:
    """Every event and command of one correlation, nested under what caused it, oldest first.

    Roots are the nodes whose cause is not part of the correlation: the external request itself
    (an event received from outside, a command sent by a user), or the unrecorded request id.
    """
    nodes: list[dict[str, Any]] = []
    for record in EventRecord.objects.filter(correlation_id=correlation_id).order_by("position"):
        nodes.append(
            {
                "kind": "event",
                "id": record.event_id,
                "type": record.event_type,
                "stream_id": record.stream_id,
                "stream_version": record.stream_version,
                "position": record.position,
                "cause_id": record.cause_id,
                "actor": record.actor,
                "at": record.recorded_at,
                "data": record.data,
            }
        )
    for command in CommandRecord.objects.filter(correlation_id=correlation_id).order_by("id"):
        nodes.append(
            {
                "kind": "command",
                "id": command.command_id,
                "type": command.command_type,
                "stream_id": command.stream_id,
                "cause_id": command.cause_id,
                "actor": command.actor,
                "at": command.recorded_at,
                "outcome": command.outcome,
                "error": {"code": command.error_code, "message": command.error_message} if command.error_code else None,
                "data": command.payload,
            }
        )
    nodes.sort(key=lambda node: node["at"])
    by_id = {node["id"]: node for node in nodes}
    roots = []
    for node in nodes:
        node.setdefault("children", [])
        parent = by_id.get(node["cause_id"])
        if parent is None:
            roots.append(node)
        else:
            parent.setdefault("children", []).append(node)
    return roots


def tree_size(roots: list[dict[str, Any]]) -> int:
    return sum(1 + tree_size(node["children"]) for node in roots)


def first_position_since(when: datetime) -> int:
    """The position of the first event recorded at or after ``when`` (one past the last if none).

    Positions grow with time, so a binary search over the primary key finds it in a few index
    lookups, where filtering on ``recorded_at`` (not indexed: every append would pay) scans the table.
    """
    low = EventRecord.objects.order_by("position").values_list("position", flat=True).first()
    high = EventRecord.objects.order_by("-position").values_list("position", flat=True).first()
    if low is None:
        return 1
    high += 1
    while low < high:
        middle = (low + high) // 2
        row = EventRecord.objects.filter(position__gte=middle).order_by("position")
        position, recorded_at = row.values_list("position", "recorded_at").first()
        if recorded_at >= when:
            high = middle
        else:
            low = position + 1
    return low
