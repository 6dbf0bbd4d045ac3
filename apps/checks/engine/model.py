"""The check definition as loaded from the catalog, with every Rhai expression compiled once."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from apps.checks.rhai import Program, RhaiSyntaxError


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


class ExpectationType(StrEnum):
    EXPECT = "expect"
    EXPECT_SAME = "expect_same"
    EXPECT_ENUM = "expect_enum"


@dataclass(frozen=True)
class Expression:
    """Rhai source text and its compiled program (not part of equality), or the syntax error that
    compiling it raised: wanda parses each expression when it evaluates it, so a syntax error does
    not refuse the check but fails every evaluation (kind ``parsing``)."""

    source: str
    program: Program | RhaiSyntaxError = field(compare=False, repr=False)

    def evaluate(self, scope: dict[str, Any]) -> Any:
        if isinstance(self.program, RhaiSyntaxError):
            raise self.program.with_traceback(None)
        return self.program.evaluate(scope)


@dataclass(frozen=True)
class Fact:
    name: str
    gatherer: str
    argument: str = ""


@dataclass(frozen=True)
class Condition:
    value: Any
    when: Expression


@dataclass(frozen=True)
class Value:
    name: str
    default: Any
    conditions: tuple[Condition, ...] = ()
    customization_disabled: bool = False


@dataclass(frozen=True)
class Expectation:
    name: str
    type: ExpectationType
    expression: Expression
    #: Messages are compiled as Rhai template strings (the text wrapped in backticks).
    failure_message: Expression | None = None
    warning_message: Expression | None = None


@dataclass(frozen=True)
class Check:
    id: str
    name: str
    group: str
    description: str
    remediation: str
    facts: tuple[Fact, ...]
    expectations: tuple[Expectation, ...]
    severity: Severity = Severity.CRITICAL
    metadata: dict[str, Any] = field(default_factory=dict)
    when: Expression | None = None
    exclude: Expression | None = None
    values: tuple[Value, ...] = ()
    customization_disabled: bool = False
