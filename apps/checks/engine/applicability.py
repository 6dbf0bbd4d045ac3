"""Which checks apply to an env (wanda's catalog filtering: metadata and ``when``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .data import is_true, strict_equal
from .model import Check


def execution_env(env: Mapping[str, Any], target_type: str | None) -> dict[str, Any]:
    """The env an execution runs with: ``target_type`` is always injected, even when it is ``None``
    (which then rules out every check whose metadata names a target type)."""
    return {**env, "target_type": target_type}


def is_applicable(check: Check, env: Mapping[str, Any]) -> bool:
    if not env:
        return True
    return _metadata_matches(check.metadata, env) and (check.when is None or is_true(check.when, {"env": dict(env)}))


def applicable_checks(checks: Iterable[Check], env: Mapping[str, Any]) -> list[Check]:
    return [check for check in checks if is_applicable(check, env)]


def _metadata_matches(metadata: Mapping[str, Any], env: Mapping[str, Any]) -> bool:
    for key, wanted in env.items():
        if key not in metadata:
            continue
        declared = metadata[key]
        if isinstance(declared, list):
            if not any(strict_equal(item, wanted) for item in declared):
                return False
        elif not strict_equal(declared, wanted):
            return False
    return True


def is_excluded(check: Check, attributes: Mapping[str, Any]) -> bool:
    """A check's ``exclude`` predicate over one target's attributes (exactly ``true`` excludes)."""
    return check.exclude is not None and is_true(check.exclude, {"host": dict(attributes)})
