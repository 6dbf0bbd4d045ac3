"""The result of an execution, shaped and named like wanda's (``dataclasses.asdict`` gives its JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from .model import ExpectationType

DEFAULT_FAILURE_MESSAGE = "Expectation not met"
TIMEOUT_MESSAGE = "Agent timed out during the execution"
FACT_GATHERING_ERROR_MESSAGE = "Fact gathering error occurred during the execution"


class Result(StrEnum):
    PASSING = "passing"
    WARNING = "warning"
    CRITICAL = "critical"


_RANK = {Result.PASSING: 0, Result.WARNING: 1, Result.CRITICAL: 2}


def worst(results: list[Result]) -> Result:
    return max(results, key=_RANK.__getitem__, default=Result.PASSING)


@dataclass(frozen=True)
class FactError:
    """What an agent sends instead of a fact value when gathering it failed."""

    type: str
    message: str


@dataclass(frozen=True)
class GatheredFact:
    check_id: str
    name: str
    value: Any


@dataclass(frozen=True)
class GatheredFactError:
    check_id: str
    name: str
    type: str
    message: str


@dataclass(frozen=True)
class ExecutionValue:
    """A value as an agent's result lists it: the one its expectations saw."""

    name: str
    value: Any
    customized: bool = False


@dataclass(frozen=True)
class ExpectationEvaluation:
    name: str
    type: ExpectationType
    return_value: Any
    failure_message: str | None = None


@dataclass(frozen=True)
class ExpectationEvaluationError:
    name: str
    #: Rhai's error kind, e.g. ``property_not_found``.
    type: str
    message: str


@dataclass(frozen=True)
class AgentCheckResult:
    agent_id: str
    facts: list[GatheredFact]
    values: list[ExecutionValue]
    expectation_evaluations: list[ExpectationEvaluation | ExpectationEvaluationError]
    status: Literal["executed"] = "executed"


@dataclass(frozen=True)
class AgentCheckError:
    agent_id: str
    type: Literal["timeout", "fact_gathering_error"]
    message: str
    #: ``None`` on timeout; every gathered fact and fact error on a fact gathering error.
    facts: list[GatheredFact | GatheredFactError] | None = None


@dataclass(frozen=True)
class ExcludedAgentCheck:
    agent_id: str
    exclude_expression: str
    status: Literal["excluded"] = "excluded"
    facts: list[Any] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    expectation_evaluations: list[Any] = field(default_factory=list)


AgentEntry = AgentCheckResult | AgentCheckError | ExcludedAgentCheck


@dataclass(frozen=True)
class ExpectationResult:
    name: str
    type: ExpectationType
    #: ``True``/``False`` for expect and expect_same, a :class:`Result` for expect_enum.
    result: bool | Result
    #: Only for a failed expect_same: the message as written, not interpolated.
    failure_message: str | None = None


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    customized: bool
    result: Result
    expectation_results: list[ExpectationResult]
    agents_check_results: list[AgentEntry]


@dataclass(frozen=True)
class ExecutionResult:
    execution_id: str
    group_id: str
    check_results: list[CheckResult]
    #: Agents that never answered the facts gathering request.
    timeout: list[str]
    result: Result
