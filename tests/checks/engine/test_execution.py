import dataclasses
import json
from pathlib import Path

import pytest

from apps.checks.engine import (
    AgentCheckError,
    Catalog,
    ExcludedAgentCheck,
    Exclusion,
    FactError,
    FactRequest,
    NoChecksSelected,
    Result,
    Target,
    evaluate_execution,
    facts_from_message,
    facts_gathering_requests,
    load_catalog,
    plan_execution,
)

from .conftest import write_check

ENV = {"cluster_type": "hana_scale_up", "provider": "azure", "hana_scenario": "performance_optimized"}


def test_plan_selects_applicable_checks_and_builds_gathering_requests(catalog: Catalog):
    targets = [
        Target("agent-a", ["156F64", "NOPE00", "3A361F"]),
        Target("agent-b", ["156F64", "790926"]),
        Target("agent-a", ["DA114A"]),  # duplicate agent: the first one wins
    ]

    plan = plan_execution(catalog, targets, ENV, "cluster")

    assert plan.env == {**ENV, "target_type": "cluster"}
    assert [check.id for check in plan.checks] == ["156F64", "790926"]
    assert [(t.agent_id, t.checks) for t in plan.targets] == [
        ("agent-a", ["156F64"]),
        ("agent-b", ["156F64", "790926"]),
    ]
    assert [(r.agent_id, r.fact_requests) for r in plan.gathering] == [
        ("agent-a", [FactRequest("156F64", "corosync_token_timeout", "corosync.conf@v1", "totem.token")]),
        (
            "agent-b",
            [
                FactRequest("156F64", "corosync_token_timeout", "corosync.conf@v1", "totem.token"),
                FactRequest("790926", "hacluster_has_default_password", "verify_password@v1", "hacluster"),
            ],
        ),
    ]


def test_plan_without_applicable_checks_fails(catalog: Catalog):
    with pytest.raises(NoChecksSelected):
        plan_execution(catalog, [Target("a", ["156F64"])], ENV, "host")
    with pytest.raises(NoChecksSelected):
        plan_execution(catalog, [Target("a", ["NOPE00"])], {}, "cluster")


def test_a_fact_without_argument_is_requested_with_an_empty_one(tmp_path: Path):
    write_check(tmp_path, "AAAAAA", facts=[{"name": "f", "gatherer": "os-release@v1"}])
    check = load_catalog([tmp_path]).checks["AAAAAA"]

    [request] = facts_gathering_requests([check], [Target("a", ["AAAAAA"])], [])

    assert request.fact_requests == [FactRequest("AAAAAA", "f", "os-release@v1", "")]


def test_full_execution_with_a_timed_out_agent(catalog: Catalog):
    checks = catalog.select(["156F64", "790926"], {**ENV, "target_type": "cluster"})
    targets = [Target("a", ["156F64", "790926"]), Target("b", ["156F64", "790926"])]
    gathered = {
        "a": {
            "156F64": {"corosync_token_timeout": 30000},
            "790926": {"hacluster_has_default_password": False},
        }
    }

    result = evaluate_execution("exec-1", "group-1", checks, targets, gathered, ENV, timed_out=["b"])

    assert result.timeout == ["b"]
    assert [(c.check_id, c.result) for c in result.check_results] == [
        ("156F64", Result.CRITICAL),
        ("790926", Result.CRITICAL),
    ]
    assert result.result is Result.CRITICAL
    assert all(
        isinstance(c.agents_check_results[1], AgentCheckError) and c.agents_check_results[1].type == "timeout"
        for c in result.check_results
    )
    document = json.loads(json.dumps(dataclasses.asdict(result)))
    assert set(document) == {"execution_id", "group_id", "check_results", "timeout", "result"}
    assert document["check_results"][0]["agents_check_results"][1]["type"] == "timeout"


def test_execution_result_is_the_worst_check_result(catalog: Catalog):
    checks = catalog.select(["156F64", "790926"], ENV)
    targets = [Target("a", ["156F64", "790926"])]
    gathered = {"a": {"156F64": {"corosync_token_timeout": 30000}, "790926": {"hacluster_has_default_password": True}}}

    result = evaluate_execution("e", "g", checks, targets, gathered, ENV)

    assert [c.result for c in result.check_results] == [Result.PASSING, Result.WARNING]
    assert result.result is Result.WARNING
    assert result.timeout == []


def test_customizations_apply_per_check(catalog: Catalog):
    checks = catalog.select(["156F64"], ENV)
    gathered = {"a": {"156F64": {"corosync_token_timeout": 7000}}}
    custom = {"156F64": {"expected_token_timeout": 7000}}

    result = evaluate_execution("e", "g", checks, [Target("a", ["156F64"])], gathered, ENV, custom)

    [check_result] = result.check_results
    assert (check_result.customized, check_result.result) == (True, Result.PASSING)


def test_no_checks_gives_a_passing_execution():
    assert evaluate_execution("e", "g", [], [], {}, {}).result is Result.PASSING


def test_excluded_agents_are_listed_after_evaluation_and_never_gathered(tmp_path: Path):
    write_check(tmp_path, "AAAAAA", exclude="host.is_majority_maker", severity="warning")
    catalog = load_catalog([tmp_path])
    targets = [Target("a", ["AAAAAA"]), Target("mm", ["AAAAAA"], {"is_majority_maker": True})]

    plan = plan_execution(catalog, targets, {}, "cluster")
    result = evaluate_execution(
        "e", "g", plan.checks, plan.targets, {"a": {"AAAAAA": {"answer": 41}}}, {}, excluded=plan.excluded
    )
    only_mm = plan_execution(catalog, targets[1:], {}, "cluster")
    only_excluded = evaluate_execution("e", "g", only_mm.checks, only_mm.targets, {}, {}, excluded=only_mm.excluded)

    assert plan.excluded == [Exclusion("AAAAAA", "mm", "host.is_majority_maker")]
    assert [r.agent_id for r in plan.gathering] == ["a"]
    [check_result] = result.check_results
    assert check_result.result is Result.WARNING
    assert check_result.agents_check_results[1] == ExcludedAgentCheck("mm", "host.is_majority_maker")
    assert dataclasses.asdict(check_result.agents_check_results[1]) == {
        "agent_id": "mm",
        "exclude_expression": "host.is_majority_maker",
        "status": "excluded",
        "facts": [],
        "values": [],
        "expectation_evaluations": [],
    }
    assert only_mm.gathering == []
    [fully_excluded] = only_excluded.check_results
    assert (fully_excluded.result, fully_excluded.expectation_results) == (Result.PASSING, [])
    assert [entry.status for entry in fully_excluded.agents_check_results] == ["excluded"]


def test_the_exclusion_record_keeps_the_expression_that_excluded_the_agent(tmp_path: Path):
    # The check's exclude is edited while the execution runs: the agent left out at the start stays
    # left out, and its record says which expression did it, not the check's new one.
    for folder, provider in (("before", "aws"), ("after", "gcp")):
        (tmp_path / folder).mkdir()
        write_check(tmp_path / folder, "AAAAAA", exclude=f'host.provider == "{provider}"')
    before, after = load_catalog([tmp_path / "before"]), load_catalog([tmp_path / "after"])
    targets = [Target("aws", ["AAAAAA"], {"provider": "aws"}), Target("gcp", ["AAAAAA"], {"provider": "gcp"})]

    plan = plan_execution(before, targets, {}, "cluster")
    gathered = {"gcp": {"AAAAAA": {"answer": 42}}}
    result = evaluate_execution(
        "e", "g", after.select(["AAAAAA"], {}), plan.targets, gathered, {}, excluded=plan.excluded
    )

    [check_result] = result.check_results
    executed, excluded = check_result.agents_check_results
    assert (executed.agent_id, executed.status) == ("gcp", "executed")
    assert excluded == ExcludedAgentCheck("aws", 'host.provider == "aws"')
    assert check_result.result is Result.PASSING


def test_facts_from_a_facts_gathered_message():
    facts = facts_from_message(
        [
            {"check_id": "156F64", "name": "corosync_token_timeout", "value": 30000.0},
            {
                "check_id": "156F64",
                "name": "other",
                "error_value": {"type": "not_found", "message": "no such key"},
            },
            {"check_id": "790926", "name": "hacluster_has_default_password", "value": None},
        ]
    )

    assert facts == {
        "156F64": {"corosync_token_timeout": 30000.0, "other": FactError("not_found", "no such key")},
        "790926": {"hacluster_has_default_password": None},
    }
