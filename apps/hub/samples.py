"""Samples: the last events received of each type, so people build templates and conditions from real data.

Nothing extra is stored: the event store keeps every received event, and its newest of a type are
an index read away.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from genson import SchemaBuilder

from apps.eventstore import store
from apps.eventstore.store import RecordedEvent
from apps.hub.models import EventType
from apps.hub.outbound import event_context

SAMPLES = 5
#: Fields listed per sample, and how long a value is shown.
MAX_FIELDS, VALUE_CHARS = 300, 60
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class SampleField:
    path: str
    value: Any

    @property
    def shown(self) -> str:
        text = json.dumps(self.value, ensure_ascii=False)
        return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"

    @property
    def placeholder(self) -> str:
        """What a template takes: the field's value."""
        return "{{ " + self.path + " }}"

    @property
    def condition(self) -> str:
        """What a condition takes: events whose field has this sample's value (or is true, or exists)."""
        if isinstance(self.value, bool) or not isinstance(self.value, (str, int, float)):
            return self.path
        return f"$[?(@{self.path[1:]} == {json.dumps(self.value, ensure_ascii=False)})]"


def event_samples(event_type: EventType, *, limit: int = SAMPLES) -> list[RecordedEvent]:
    return store.latest_of_type(event_type.identifier, limit=limit)


def schema_from_samples(event_type: EventType) -> dict[str, Any] | None:
    """A JSON Schema that the bodies of the last events received all match (None when none was received):
    a start people tighten, rather than one they write from nothing."""
    samples = event_samples(event_type)
    if not samples:
        return None
    builder = SchemaBuilder(schema_uri=None)
    for event in samples:
        builder.add_object(event_context(event)["body"])
    return builder.to_schema()


def sample_fields(event: RecordedEvent) -> list[SampleField]:
    """Every value of the event as templates see it ($.body…, $.headers…, $.query…, $.event…), leaves first
    in document order; of a list, only the first item's fields."""
    fields: list[SampleField] = []

    def walk(value: Any, path: str) -> None:
        if len(fields) >= MAX_FIELDS:
            return
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk(item, f"{path}.{key}" if NAME.match(key) else f"{path}[{json.dumps(key)}]")
        elif isinstance(value, list) and value:
            walk(value[0], f"{path}[0]")
        else:
            fields.append(SampleField(path, value))

    context = event_context(event)
    for part in ("body", "headers", "query", "event"):
        walk(context[part], f"$.{part}")
    return fields
