"""What each agent is asked to gather, and reading back what it sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .applicability import is_excluded
from .model import Check
from .results import FactError


@dataclass(frozen=True)
class Target:
    agent_id: str
    checks: list[str]
    #: Host attributes that a check's ``exclude`` predicate sees as ``host``.
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FactRequest:
    check_id: str
    name: str
    gatherer: str
    argument: str


@dataclass(frozen=True)
class AgentFactsRequest:
    agent_id: str
    fact_requests: list[FactRequest]


@dataclass(frozen=True)
class Exclusion:
    """A (check, agent) pair left out of an execution, with the ``exclude`` expression that left it
    out. Decided once, at the start, as wanda does: the result reports what was decided then."""

    check_id: str
    agent_id: str
    exclude_expression: str


def exclusions(checks: Sequence[Check], targets: Sequence[Target]) -> list[Exclusion]:
    return [
        Exclusion(check.id, target.agent_id, check.exclude.source)
        for target in targets
        for check in _checks_of(target, checks)
        if check.exclude is not None and is_excluded(check, target.attributes)
    ]


def facts_gathering_requests(
    checks: Sequence[Check], targets: Sequence[Target], excluded: Sequence[Exclusion]
) -> list[AgentFactsRequest]:
    """One request per (check of the target, fact of the check), leaving out the ``excluded``
    pairs and checks not in ``checks``; targets with nothing to gather get no request."""
    left_out = {(exclusion.check_id, exclusion.agent_id) for exclusion in excluded}
    requests = []
    for target in targets:
        facts = [
            FactRequest(check.id, fact.name, fact.gatherer, fact.argument)
            for check in _checks_of(target, checks)
            if (check.id, target.agent_id) not in left_out
            for fact in check.facts
        ]
        if facts:
            requests.append(AgentFactsRequest(target.agent_id, facts))
    return requests


def _checks_of(target: Target, checks: Sequence[Check]) -> list[Check]:
    by_id = {check.id: check for check in checks}
    return [by_id[i] for i in dict.fromkeys(target.checks) if i in by_id]


def facts_from_message(facts_gathered: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A ``FactsGathered`` message's facts (``{check_id, name, value}`` or ``{check_id, name,
    error_value: {type, message}}``) as check id → fact name → value or :class:`FactError`."""
    by_check: dict[str, dict[str, Any]] = {}
    for fact in facts_gathered:
        error = fact.get("error_value")
        value = FactError(error["type"], error["message"]) if error is not None else fact.get("value")
        by_check.setdefault(fact["check_id"], {})[fact["name"]] = value
    return by_check
