"""Evaluating one check's expectations on every agent's facts, and aggregating the outcomes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from apps.checks.rhai import RhaiError

from .data import from_rhai, normalize_fact, strict_equal
from .model import Check, Expectation, ExpectationType, Expression, Severity
from .results import (
    DEFAULT_FAILURE_MESSAGE,
    FACT_GATHERING_ERROR_MESSAGE,
    TIMEOUT_MESSAGE,
    AgentCheckError,
    AgentCheckResult,
    AgentEntry,
    CheckResult,
    ExcludedAgentCheck,
    ExecutionValue,
    ExpectationEvaluation,
    ExpectationEvaluationError,
    ExpectationResult,
    FactError,
    GatheredFact,
    GatheredFactError,
    Result,
    worst,
)
from .values import ResolvedValue

#: One agent's gathered facts for one check: fact name → value (JSON-like), or a :class:`FactError`.
AgentFacts = Mapping[str, Any]


def evaluate_check(
    check: Check,
    values: Sequence[ResolvedValue],
    facts: Mapping[str, AgentFacts],
    timed_out: Collection[str] = (),
    excluded: Sequence[ExcludedAgentCheck] = (),
    customized: bool = False,
) -> CheckResult:
    """``facts`` maps agent id → that agent's facts for this check; agents in ``timed_out`` never
    answered (they need no entry in ``facts``); ``excluded`` agents are listed but never evaluated."""
    agents = dict.fromkeys([*facts, *timed_out])
    entries: list[AgentEntry] = [
        AgentCheckError(agent_id, "timeout", TIMEOUT_MESSAGE)
        if agent_id in timed_out
        else evaluate_agent(check, agent_id, facts[agent_id], values)
        for agent_id in agents
    ]
    expectation_results = _expectation_results(check, entries)
    errors = [entry for entry in entries if isinstance(entry, AgentCheckError)]
    if any(error.type == "timeout" for error in errors):
        result = Result.CRITICAL
    elif errors:
        result = Result(check.severity)
    else:
        result = worst([_outcome(item.result, check.severity) for item in expectation_results])
    entries.extend(excluded)
    return CheckResult(check.id, customized, result, expectation_results, entries)


def evaluate_agent(
    check: Check, agent_id: str, facts: AgentFacts, values: Sequence[ResolvedValue]
) -> AgentCheckResult | AgentCheckError:
    gathered = [
        GatheredFactError(check.id, name, value.type, value.message)
        if isinstance(value, FactError)
        else GatheredFact(check.id, name, normalize_fact(value))
        for name, value in facts.items()
    ]
    if any(isinstance(fact, GatheredFactError) for fact in gathered):
        return AgentCheckError(agent_id, "fact_gathering_error", FACT_GATHERING_ERROR_MESSAGE, gathered)
    scope = {
        "facts": {fact.name: fact.value for fact in gathered},
        "values": {value.name: value.value for value in values},
    }
    evaluations = [evaluate_expectation(expectation, scope) for expectation in check.expectations]
    used = [ExecutionValue(value.name, value.value, value.customized) for value in values]
    return AgentCheckResult(agent_id, gathered, used, evaluations)


def evaluate_expectation(
    expectation: Expectation, scope: dict[str, Any]
) -> ExpectationEvaluation | ExpectationEvaluationError:
    """``scope`` is ``{"facts": …, "values": …}``; expectations never see ``env``."""
    try:
        returned = expectation.expression.evaluate(scope)
    except RhaiError as error:
        # As Rhai words it, with where in the expression it failed.
        message = f"{error.message} (line {error.line}, position {error.column})"
        return ExpectationEvaluationError(expectation.name, error.kind, message)
    name, kind = expectation.name, expectation.type
    if kind is ExpectationType.EXPECT:
        message = _message(expectation.failure_message, scope) if returned is False else None
        return ExpectationEvaluation(name, kind, from_rhai(returned), message)
    if kind is ExpectationType.EXPECT_SAME:
        return ExpectationEvaluation(name, kind, from_rhai(returned))
    outcome = Result(returned) if isinstance(returned, str) and returned in ("passing", "warning") else Result.CRITICAL
    message = None
    if outcome is Result.WARNING:
        message = _message(expectation.warning_message, scope)
    elif outcome is Result.CRITICAL:
        message = _message(expectation.failure_message, scope)
    return ExpectationEvaluation(name, kind, outcome, message)


def _message(template: Expression | None, scope: dict[str, Any]) -> str:
    """Interpolate ``${…}`` in a message; without one, or on any error, the default message."""
    if template is None:
        return DEFAULT_FAILURE_MESSAGE
    try:
        text = template.evaluate(scope)
    except RhaiError:
        return DEFAULT_FAILURE_MESSAGE
    return str(text) if isinstance(text, str) else DEFAULT_FAILURE_MESSAGE


def _expectation_results(check: Check, entries: list[AgentEntry]) -> list[ExpectationResult]:
    executed = [entry for entry in entries if isinstance(entry, AgentCheckResult)]
    results = []
    for expectation in check.expectations:
        items = [item for entry in executed for item in entry.expectation_evaluations if item.name == expectation.name]
        if not items:
            continue
        result = _expectation_result(expectation.type, items, complete=len(items) == len(entries))
        message = None
        if expectation.type is ExpectationType.EXPECT_SAME and result is False:
            message = expectation.failure_message.source if expectation.failure_message else DEFAULT_FAILURE_MESSAGE
        results.append(ExpectationResult(expectation.name, expectation.type, result, message))
    return results


def _expectation_result(
    kind: ExpectationType, items: list[ExpectationEvaluation | ExpectationEvaluationError], complete: bool
) -> bool | Result:
    evaluations = [item for item in items if isinstance(item, ExpectationEvaluation)]
    if not complete or len(evaluations) != len(items):
        return False
    returned = [item.return_value for item in evaluations]
    if kind is ExpectationType.EXPECT:
        return all(value is True for value in returned)
    if kind is ExpectationType.EXPECT_SAME:
        return all(strict_equal(value, returned[0]) for value in returned)
    return worst(returned)


def _outcome(result: bool | Result, severity: Severity) -> Result:
    if result is True:
        return Result.PASSING
    if result is False:
        return Result(severity)
    return result
