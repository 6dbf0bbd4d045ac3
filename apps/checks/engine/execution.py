"""An execution from start to result: selecting checks for the targets, then evaluating all of them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .applicability import execution_env, is_excluded
from .evaluation import AgentFacts, evaluate_check
from .gathering import AgentFactsRequest, Target, facts_gathering_requests
from .loading import Catalog
from .model import Check
from .results import ExecutionResult, worst
from .values import resolve_values


class NoChecksSelected(Exception):
    """None of the requested check ids exists and applies to the env."""


@dataclass(frozen=True)
class ExecutionPlan:
    env: dict[str, Any]
    checks: list[Check]
    #: Deduplicated by agent id (first wins), each reduced to its selected checks.
    targets: list[Target]
    gathering: list[AgentFactsRequest]


def plan_execution(
    catalog: Catalog, targets: Sequence[Target], env: Mapping[str, Any], target_type: str | None
) -> ExecutionPlan:
    """Start of an execution: inject ``target_type`` into the env, keep the known applicable checks
    of all targets, and build the facts gathering request. Raises :class:`NoChecksSelected`."""
    full_env = execution_env(env, target_type)
    first: dict[str, Target] = {}
    for target in targets:
        first.setdefault(target.agent_id, target)
    unique = list(first.values())
    checks = catalog.select((i for target in unique for i in target.checks), full_env)
    if not checks:
        raise NoChecksSelected
    selected = {check.id for check in checks}
    reduced = [Target(t.agent_id, [i for i in dict.fromkeys(t.checks) if i in selected], t.attributes) for t in unique]
    return ExecutionPlan(full_env, checks, reduced, facts_gathering_requests(checks, reduced))


def evaluate_execution(
    execution_id: str,
    group_id: str,
    checks: Sequence[Check],
    targets: Sequence[Target],
    gathered: Mapping[str, Mapping[str, AgentFacts]],
    env: Mapping[str, Any],
    customizations: Mapping[str, Mapping[str, Any]] | None = None,
    timed_out: Collection[str] = (),
) -> ExecutionResult:
    """``gathered`` is agent id → check id → facts; ``customizations`` is the group's check id →
    value name → custom value; ``timed_out`` lists the agents that never answered."""
    customizations = customizations or {}
    check_results = []
    for check in checks:
        active, excluded = [], []
        for target in targets:
            if check.id in target.checks:
                (excluded if is_excluded(check, target.attributes) else active).append(target.agent_id)
        if not active and not excluded:
            continue
        custom = customizations.get(check.id) or {}
        check_results.append(
            evaluate_check(
                check,
                resolve_values(check, env, custom),
                {agent: gathered.get(agent, {}).get(check.id, {}) for agent in active if agent not in timed_out},
                timed_out=[agent for agent in active if agent in timed_out],
                excluded=excluded,
                customized=bool(custom),
            )
        )
    return ExecutionResult(
        execution_id,
        group_id,
        check_results,
        list(dict.fromkeys(timed_out)),
        worst([result.result for result in check_results]),
    )
