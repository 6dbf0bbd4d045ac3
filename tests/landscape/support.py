"""Given-when-then on an aggregate without a database."""

import json
from pathlib import Path
from typing import Any

import pytest

from apps.eventstore.commands import Aggregate, Command, CommandRejected


def given(aggregate_class: type[Aggregate], stream_id: str, *events: tuple[str, dict[str, Any]]) -> Aggregate:
    aggregate = aggregate_class(stream_id)
    for event_type, data in events:
        aggregate.apply(event_type, data)
    return aggregate


def when(aggregate: Aggregate, command_type: str, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Execute and return the decided events as (type, data) pairs (checked to be storable as JSON)."""
    events = aggregate.execute(Command(command_type, aggregate.stream_id, payload))
    decided = [(new.type, new.data) for new in events]
    assert json.loads(json.dumps(decided)) == [list(pair) for pair in decided]
    return decided


def types(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [event_type for event_type, _ in events]


def rejected(aggregate: Aggregate, command_type: str, payload: dict[str, Any]) -> str:
    with pytest.raises(CommandRejected) as caught:
        aggregate.execute(Command(command_type, aggregate.stream_id, payload))
    return caught.value.code


def replay(aggregate: Aggregate) -> Aggregate:
    """A fresh aggregate restored from ``aggregate``'s snapshot state: proves the state is JSON-friendly."""
    copy = type(aggregate)(aggregate.stream_id)
    copy.restore_state(json.loads(json.dumps(aggregate.snapshot_state())))
    return copy


def envelope(shared_dir: Path, name: str) -> dict[str, Any]:
    return json.loads((shared_dir / "trento-discovery/fixtures" / name).read_text())
