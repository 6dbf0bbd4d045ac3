"""Resolving a check's values for an env, and validating a group's customizations of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .data import is_true
from .model import Check, Value

DEFAULT_VALUE_TYPES = (bool, int, str)


@dataclass(frozen=True)
class ResolvedValue:
    """A check's value for an env and a group, as wanda resolves it: ``default_value`` is what the
    env selects (first matching condition, else the declared default), ``custom_value`` the group's
    customization when ``customized``."""

    name: str
    default_value: Any
    custom_value: Any = None
    customized: bool = False

    @property
    def value(self) -> Any:
        """What expectations see as ``values.<name>``."""
        return self.custom_value if self.customized else self.default_value


def resolve_value(value: Value, env: Mapping[str, Any]) -> Any:
    """The first condition whose ``when`` is exactly ``true`` with scope ``{env}`` gives the value;
    false, non-boolean and failing conditions are skipped; otherwise the default."""
    for condition in value.conditions:
        if is_true(condition.when, {"env": dict(env)}):
            return condition.value
    return value.default


def resolve_values(
    check: Check, env: Mapping[str, Any], custom_values: Mapping[str, Any] | None = None
) -> list[ResolvedValue]:
    """Values in declaration order; ``custom_values`` (name → value) are the group's customizations of
    this check, assumed validated with :func:`validate_customization`."""
    custom = custom_values or {}
    return [
        ResolvedValue(value.name, resolve_value(value, env), custom.get(value.name), value.name in custom)
        for value in check.values
    ]


def is_value_customizable(check: Check, value: Value) -> bool:
    """Lists, maps (and floats) are never customizable, nor anything the check or value disables."""
    return (
        not check.customization_disabled
        and not value.customization_disabled
        and type(value.default) in DEFAULT_VALUE_TYPES
    )


def is_check_customizable(check: Check) -> bool:
    return any(is_value_customizable(check, value) for value in check.values)


class CustomizationErrorCode(StrEnum):
    #: The check as a whole refuses customization (wanda: 403 check_not_customizable).
    CHECK_NOT_CUSTOMIZABLE = "check_not_customizable"
    #: All others are wanda's 400 invalid_custom_values, told apart here.
    NO_VALUES = "no_values"
    INVALID_SHAPE = "invalid_shape"
    DUPLICATE_VALUE = "duplicate_value"
    VALUE_NOT_FOUND = "value_not_found"
    VALUE_NOT_CUSTOMIZABLE = "value_not_customizable"
    TYPE_MISMATCH = "type_mismatch"


@dataclass(frozen=True)
class CustomizationError:
    code: CustomizationErrorCode
    message: str
    name: str | None = None


def validate_customization(check: Check, custom_values: object) -> list[CustomizationError]:
    """Check a customization request body's ``values`` (a non-empty list of ``{name, value}``)
    against ``check``; an empty list of errors means it may be stored."""
    if check.customization_disabled:
        code, message = CustomizationErrorCode.CHECK_NOT_CUSTOMIZABLE, f"check {check.id} is not customizable"
        return [CustomizationError(code, message)]
    if not isinstance(custom_values, list) or not custom_values:
        return [CustomizationError(CustomizationErrorCode.NO_VALUES, "custom values must be a non-empty list")]
    declared = {value.name: value for value in check.values}
    errors = []
    seen: set[str] = set()
    for index, item in enumerate(custom_values):
        if not isinstance(item, Mapping) or set(item) != {"name", "value"} or not isinstance(item["name"], str):
            message = f"item {index} must be exactly {{name, value}} with a string name"
            errors.append(CustomizationError(CustomizationErrorCode.INVALID_SHAPE, message))
            continue
        name = item["name"]
        problem = _value_problem(check, declared.get(name), item["value"], name in seen)
        if problem:
            errors.append(CustomizationError(problem[0], f"{name}: {problem[1]}", name))
        seen.add(name)
    return errors


def _value_problem(
    check: Check, value: Value | None, custom: object, repeated: bool
) -> tuple[CustomizationErrorCode, str] | None:
    if repeated:
        return CustomizationErrorCode.DUPLICATE_VALUE, "given more than once"
    if value is None:
        return CustomizationErrorCode.VALUE_NOT_FOUND, "the check has no such value"
    if not is_value_customizable(check, value):
        return CustomizationErrorCode.VALUE_NOT_CUSTOMIZABLE, "not customizable"
    if type(custom) is not type(value.default):
        expected, got = type(value.default).__name__, type(custom).__name__
        return CustomizationErrorCode.TYPE_MISMATCH, f"must be of type {expected}, got {got}"
    return None
