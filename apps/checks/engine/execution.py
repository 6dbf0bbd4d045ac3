"""An execution from start to result: selecting checks for the targets, then evaluating all of them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .applicability import execution_env
from .evaluation import AgentFacts, evaluate_check
from .gathering import AgentFactsRequest, Exclusion, Target, exclusions, facts_gathering_requests
from .loading import Catalog
from .model import Check
from .results import ExcludedAgentCheck, ExecutionResult, worst
from .values import resolve_values


class NoChecksSelected(Exception):
    """None of the requested check ids exists and applies to the env."""


@dataclass(frozen=True)
class ExecutionPlan:
    env: dict[str, Any]
    checks: list[Check]
    #: Deduplicated by agent id (first wins), each reduced to its selected checks.
    targets: list[Target]
    #: The (check, agent) pairs left out by the checks' ``exclude``: never gathered nor evaluated.
    excluded: list[Exclusion]
    gathering: list[AgentFactsRequest]


def plan_execution(
    catalog: Catalog, targets: Sequence[Target], env: Mapping[str, Any], target_type: str | None
) -> ExecutionPlan:
    """Start of an execution: inject ``target_type`` into the env, keep the known applicable checks
    of all targets, decide the exclusions and build the facts gathering request. Raises
    :class:`NoChecksSelected`."""
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
    excluded = exclusions(checks, reduced)
    return ExecutionPlan(full_env, checks, reduced, excluded, facts_gathering_requests(checks, reduced, excluded))


def evaluate_execution(
    execution_id: str,
    group_id: str,
    checks: Sequence[Check],
    targets: Sequence[Target],
    gathered: Mapping[str, Mapping[str, AgentFacts]],
    env: Mapping[str, Any],
    customizations: Mapping[str, Mapping[str, Any]] | None = None,
    timed_out: Collection[str] = (),
    excluded: Sequence[Exclusion] = (),
) -> ExecutionResult:
    """``gathered`` is agent id → check id → facts; ``customizations`` is the group's check id →
    value name → custom value; ``timed_out`` lists the agents that never answered; ``excluded``
    are the plan's exclusions."""
    customizations = customizations or {}
    check_results = []
    for check in checks:
        left_out = {e.agent_id: e.exclude_expression for e in excluded if e.check_id == check.id}
        agents = [target.agent_id for target in targets if check.id in target.checks]
        active = [agent for agent in agents if agent not in left_out]
        if not agents:
            continue
        custom = customizations.get(check.id) or {}
        check_results.append(
            evaluate_check(
                check,
                resolve_values(check, env, custom),
                {agent: gathered.get(agent, {}).get(check.id, {}) for agent in active if agent not in timed_out},
                timed_out=[agent for agent in active if agent in timed_out],
                excluded=[ExcludedAgentCheck(agent, left_out[agent]) for agent in agents if agent in left_out],
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
