"""Tolerant readers for agent payloads: missing or null parts read as empty, wrong types raise."""

from collections.abc import Mapping
from typing import Any

from apps.discovery.policies.envelope import FieldError, InvalidDiscovery, pointer


def dig(value: Any, *keys: str | int) -> Any:
    """``value[k1][k2]...``, or None as soon as a step is missing or null."""
    for key in keys:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and -len(value) <= key < len(value) else None
        else:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is None:
            return None
    return value


def items(value: Any) -> list[Any]:
    """A list as a list; null (the agent's empty list) or anything else as ``[]``."""
    return value if isinstance(value, list) else []


def pairs(value: Any, key: str = "Name", val: str = "Value") -> dict[str, Any]:
    """``[{Name, Value}, ...]`` as a dict; the first entry wins on a repeated name."""
    result: dict[str, Any] = {}
    for entry in items(value):
        if isinstance(entry, Mapping) and isinstance(entry.get(key), str):
            result.setdefault(entry[key], entry.get(val))
    return result


def expect(value: Any, kind: type | tuple[type, ...], *path: str | int, what: str) -> Any:
    """``value`` when it is a ``kind`` (bool is never an int here); raises ``InvalidDiscovery`` otherwise."""
    is_bool = isinstance(value, bool)
    wants_bool = kind is bool or (isinstance(kind, tuple) and bool in kind)
    if not isinstance(value, kind) or (is_bool and not wants_bool):
        raise InvalidDiscovery([FieldError(pointer(*path), f"must be {what}")])
    return value


def fail(message: str, *path: str | int) -> InvalidDiscovery:
    return InvalidDiscovery([FieldError(pointer(*path), message)])
