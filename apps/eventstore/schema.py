"""Schema evolution: upcasters read old event payloads in today's shape.

An event type starts at schema version 1. Registering an upcaster from version N makes N + 1 the
type's current version; new events are recorded at the current version and older ones are
upcast step by step when read, so handlers only ever see the current shape.
"""

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_upcasters: dict[str, dict[int, Upcaster]] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register ``fn(data) -> data`` that turns version ``from_version`` of ``event_type`` into the next."""

    def register(fn: Upcaster) -> Upcaster:
        steps = _upcasters.setdefault(event_type, {})
        if from_version in steps:
            raise ValueError(f"{event_type} already has an upcaster from version {from_version}")
        steps[from_version] = fn
        return fn

    return register


def current_version(event_type: str) -> int:
    steps = _upcasters.get(event_type)
    return max(steps) + 1 if steps else 1


def upcast(event_type: str, version: int, data: Payload) -> tuple[Payload, int]:
    steps = _upcasters.get(event_type)
    if not steps:
        return data, version
    while version in steps:
        data = steps[version](data)
        version += 1
    return data, version


def unregister(event_type: str) -> None:
    """Forget the upcasters of a type (for tests that declare their own)."""
    _upcasters.pop(event_type, None)
