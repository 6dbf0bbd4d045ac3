"""Reading check definitions from catalog directories and validating them up front.

Wanda raises inside its loader on several malformed shapes; here every problem of a file becomes a
:class:`LoadError` and only that file's check is left out of the catalog. A Rhai expression that
does not parse is no load problem: as in wanda, it fails when it is evaluated (see ``Expression``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from apps.checks.rhai import Program, RhaiSyntaxError, compile_script

from .applicability import applicable_checks
from .model import Check, Condition, Expectation, ExpectationType, Expression, Fact, Severity, Value

_REQUIRED = ("id", "name", "group", "description", "remediation", "facts", "expectations")
_OPTIONAL = ("severity", "metadata", "when", "exclude", "values", "customization_disabled", "premium")
_GATHERER = re.compile(r"^[\w.+-]+(@v\d+)?$")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
T = TypeVar("T")


@dataclass(frozen=True)
class LoadError:
    """One problem with one catalog file: ``field`` is a dotted location inside it ("" = whole file)."""

    check: str
    path: str
    field: str
    message: str


@dataclass
class Catalog:
    checks: dict[str, Check] = field(default_factory=dict)
    errors: list[LoadError] = field(default_factory=list)

    def get(self, check_id: str) -> Check | None:
        return self.checks.get(check_id)

    def select(self, check_ids: Iterable[str], env: Mapping[str, Any]) -> list[Check]:
        """The known and applicable checks among ``check_ids`` (unknown ids are silently dropped)."""
        known = [self.checks[i] for i in dict.fromkeys(check_ids) if i in self.checks]
        return applicable_checks(known, env)


def load_catalog(dirs: Sequence[Path]) -> Catalog:
    files: dict[str, Path] = {}
    for directory in dirs:
        for path in sorted(Path(directory).glob("*.yaml")):
            files.setdefault(path.name.removesuffix(".yaml"), path)
    catalog = Catalog()
    for check_id in sorted(files):
        check, problems = load_check_file(files[check_id])
        if check is not None:
            catalog.checks[check_id] = check
        catalog.errors.extend(problems)
    return catalog


def load_check_file(path: Path) -> tuple[Check | None, list[LoadError]]:
    stem = path.name.removesuffix(".yaml")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return None, [LoadError(stem, str(path), "", f"cannot read YAML: {error}")]
    builder = _CheckBuilder(stem)
    check = builder.build(data)
    problems = [LoadError(stem, str(path), where, message) for where, message in builder.problems]
    return (None if problems else check), problems


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int | float)  # bool is an int


class _CheckBuilder:
    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.problems: list[tuple[str, str]] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def build(self, data: object) -> Check | None:
        if not isinstance(data, dict):
            self.fail("", "the file must hold a mapping of check keys")
            return None
        for key in data:
            if key not in _REQUIRED and key not in _OPTIONAL:
                self.fail(str(key), "unknown key")
        for key in _REQUIRED:
            if key not in data:
                self.fail(key, "required key is missing")
        texts = {key: self.string(data, key) for key in ("id", "name", "group", "description", "remediation")}
        if texts["id"] is not None and texts["id"] != self.stem:
            self.fail("id", f"id {texts['id']!r} does not match the file name {self.stem!r}")
        severity = self.string(data, "severity", required=False)
        when = self.expression(data, "when", "when")
        exclude = self.expression(data, "exclude", "exclude")
        facts = self.items(data, "facts", self.fact)
        values = self.items(data, "values", self.value)
        expectations = self.items(data, "expectations", self.expectation)
        metadata = self.metadata(data.get("metadata"))
        disabled = self.flag(data, "customization_disabled", "customization_disabled")
        self.flag(data, "premium", "premium")
        if self.problems:
            return None
        return Check(
            id=texts["id"],
            name=texts["name"],
            group=texts["group"],
            description=texts["description"],
            remediation=texts["remediation"],
            facts=facts,
            expectations=expectations,
            severity=Severity.WARNING if severity == "warning" else Severity.CRITICAL,
            metadata=metadata,
            when=when,
            exclude=exclude,
            values=values,
            customization_disabled=disabled,
        )

    def string(self, data: dict, key: str, where: str | None = None, required: bool = True) -> Any:
        value = data.get(key)
        if value is None:
            if required and key in data:
                self.fail(where or key, "must be a string")
            return None
        if not isinstance(value, str):
            self.fail(where or key, f"must be a string, got {type(value).__name__}")
            return None
        return value

    def flag(self, data: dict, key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.fail(where, "must be true or false")
            return False
        return value

    def expression(
        self, data: dict, key: str, where: str, template: bool = False, required: bool = False
    ) -> Expression | None:
        source = self.string(data, key, where, required=required)
        if source is None:
            return None
        try:
            program: Program | RhaiSyntaxError = compile_script(f"`{source}`" if template else source)
        except RhaiSyntaxError as error:
            program = error
        return Expression(source, program)

    def items(self, data: dict, key: str, build: Callable[[dict, str], T]) -> tuple[T, ...]:
        raw = data.get(key, [])
        if not isinstance(raw, list):
            self.fail(key, "must be a list")
            return ()
        built = []
        names: set[str] = set()
        for index, item in enumerate(raw):
            where = f"{key}[{index}]"
            if not isinstance(item, dict):
                self.fail(where, "must be a mapping")
                continue
            name = self.string(item, "name", f"{where}.name")
            if "name" not in item:
                self.fail(f"{where}.name", "required key is missing")
            elif name in names:
                self.fail(f"{where}.name", f"duplicate name {name!r}")
            names.add(name)
            built.append(build(item, where))
        return tuple(built)

    def keys(self, item: dict, where: str, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        known = set(allowed)
        for key in item:
            if key not in known:
                self.fail(f"{where}.{key}", "unknown key")
        for key in required:
            if key not in item:
                self.fail(f"{where}.{key}", "required key is missing")

    def fact(self, item: dict, where: str) -> Fact:
        self.keys(item, where, ("name", "gatherer", "argument"), ("gatherer",))
        gatherer = self.string(item, "gatherer", f"{where}.gatherer")
        if gatherer is not None and not _GATHERER.match(gatherer):
            self.fail(f"{where}.gatherer", f"{gatherer!r} is not of the form <gatherer>[@v<N>]")
        argument = self.string(item, "argument", f"{where}.argument", required=False)
        return Fact(item.get("name"), gatherer, argument or "")

    def value(self, item: dict, where: str) -> Value:
        self.keys(item, where, ("name", "default", "conditions", "customization_disabled"), ("default",))
        if "default" in item:
            self.constant(item["default"], f"{where}.default")
        conditions = []
        raw = item.get("conditions", [])
        if not isinstance(raw, list):
            self.fail(f"{where}.conditions", "must be a list")
            raw = []
        for index, condition in enumerate(raw):
            at = f"{where}.conditions[{index}]"
            if not isinstance(condition, dict):
                self.fail(at, "must be a mapping")
                continue
            self.keys(condition, at, ("value", "when"), ("value", "when"))
            if "value" in condition:
                self.constant(condition["value"], f"{at}.value")
            when = self.expression(condition, "when", f"{at}.when", required=True)
            conditions.append(Condition(condition.get("value"), when))
        disabled = self.flag(item, "customization_disabled", f"{where}.customization_disabled")
        return Value(item.get("name"), item.get("default"), tuple(conditions), disabled)

    def constant(self, value: object, where: str) -> None:
        scalars = isinstance(value, list) and all(_is_scalar(v) for v in value)
        if not (_is_scalar(value) or scalars or isinstance(value, dict)):
            self.fail(where, "must be an integer, a string, a boolean, a list of those or a map")

    def expectation(self, item: dict, where: str) -> Expectation:
        kinds = [kind for kind in ExpectationType if kind.value in item]
        self.keys(item, where, ("name", "failure_message", "warning_message", *ExpectationType))
        if len(kinds) != 1:
            self.fail(where, "needs exactly one of expect, expect_same, expect_enum")
            kinds = [ExpectationType.EXPECT]
        kind = kinds[0]
        expression = self.expression(item, kind.value, f"{where}.{kind.value}", required=True)
        failure = self.expression(item, "failure_message", f"{where}.failure_message", template=True)
        warning = self.expression(item, "warning_message", f"{where}.warning_message", template=True)
        return Expectation(item.get("name"), kind, expression, failure, warning)

    def metadata(self, raw: object) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.fail("metadata", "must be a mapping")
            return {}
        for key, value in raw.items():
            listed = isinstance(value, list) and all(_is_scalar(v) and not isinstance(v, bool) for v in value)
            if not (_is_scalar(value) or listed):
                self.fail(f"metadata.{key}", "must be a string, a number, a boolean or a list of strings/numbers")
        return dict(raw)
