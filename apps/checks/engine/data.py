"""Moving JSON-like data in and out of Rhai, and comparing it the way wanda (Elixir) does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.checks.rhai import RhaiError

from .model import Expression


def from_rhai(value: Any) -> Any:
    """JSON-ready data: unit becomes ``None``, and so do types wanda cannot carry back (closures …)."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)  # a Rhai char is a str subclass
    if isinstance(value, list):
        return [from_rhai(v) for v in value]
    if isinstance(value, dict):
        return {str(k): from_rhai(v) for k, v in value.items()}
    return None


def normalize_fact(value: Any) -> Any:
    """Facts arrive as protobuf ``Value``s, whose numbers are doubles; wanda turns whole ones into ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): normalize_fact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize_fact(v) for v in value]
    return value


def strict_equal(a: Any, b: Any) -> bool:
    """Deep equality where ``1``, ``1.0``, ``True`` and ``"1"`` are all different."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def is_true(expression: Expression, scope: Mapping[str, Any]) -> bool:
    """Predicates (``when``, ``exclude``): only a boolean ``true`` counts; errors (syntax errors
    too) count as no."""
    try:
        return expression.evaluate(dict(scope)) is True
    except RhaiError:
        return False
