import dataclasses
import json
from pathlib import Path

from apps.checks.engine import (
    AgentCheckError,
    AgentCheckResult,
    Catalog,
    Check,
    CheckResult,
    ExpectationEvaluation,
    ExpectationEvaluationError,
    ExpectationResult,
    FactError,
    Result,
    evaluate_check,
    resolve_values,
)

from .conftest import make_check

AZURE = {"target_type": "cluster", "provider": "azure"}


def _evaluate(check: Check, facts: dict, env: dict = AZURE, **kwargs) -> CheckResult:
    return evaluate_check(check, resolve_values(check, env), facts, **kwargs)


def _agent(result: CheckResult, agent_id: str):
    return next(entry for entry in result.agents_check_results if entry.agent_id == agent_id)


def test_passing_on_every_agent(catalog: Catalog):
    result = _evaluate(
        catalog.checks["156F64"],
        {"a": {"corosync_token_timeout": 30000}, "b": {"corosync_token_timeout": 30000}},
    )

    assert result.result is Result.PASSING
    assert result.expectation_results == [ExpectationResult("token_timeout", "expect", True)]
    agent = _agent(result, "a")
    assert isinstance(agent, AgentCheckResult)
    assert agent.status == "executed"
    assert agent.expectation_evaluations == [ExpectationEvaluation("token_timeout", "expect", True)]
    assert [(fact.check_id, fact.name, fact.value) for fact in agent.facts] == [
        ("156F64", "corosync_token_timeout", 30000)
    ]
    assert [(value.name, value.value, value.customized) for value in agent.values] == [
        ("expected_token_timeout", 30000, False)
    ]


def test_failure_on_one_agent_is_critical_with_an_interpolated_message(catalog: Catalog):
    result = _evaluate(
        catalog.checks["156F64"],
        {"a": {"corosync_token_timeout": 30000}, "b": {"corosync_token_timeout": 5000}},
    )

    assert result.result is Result.CRITICAL
    assert result.expectation_results == [ExpectationResult("token_timeout", "expect", False)]
    assert _agent(result, "a").expectation_evaluations[0].failure_message is None
    assert _agent(result, "b").expectation_evaluations[0] == ExpectationEvaluation(
        "token_timeout",
        "expect",
        False,
        "Corosync 'token' timeout value was expected to be '30000' but configured value is '5000'",
    )


def test_warning_severity_check_fails_with_warning(catalog: Catalog):
    check = catalog.checks["32CFC6"]  # at least 2 rings, 1 on azure/gcp; severity warning
    facts = {"a": {"totem_interfaces": [{"ring": 0}, {"ring": 1}]}, "b": {"totem_interfaces": [{"ring": 0}]}}

    on_azure = _evaluate(check, facts)
    on_kvm = _evaluate(check, facts, env={"provider": "kvm"})

    assert on_azure.result is Result.PASSING
    assert on_kvm.result is Result.WARNING
    assert _agent(on_kvm, "b").expectation_evaluations[0].failure_message == (
        "Corosync configuration was expected to have at least '2' ring(s) but configured are '1'"
    )


def test_customized_value_is_used_and_flagged(catalog: Catalog):
    check = catalog.checks["156F64"]
    values = resolve_values(check, AZURE, {"expected_token_timeout": 5000})

    result = evaluate_check(check, values, {"a": {"corosync_token_timeout": 5000}}, customized=True)

    assert result.result is Result.PASSING
    assert result.customized is True
    assert _agent(result, "a").values[0].customized is True


def test_fact_gathering_error_takes_the_check_severity(catalog: Catalog):
    error = FactError("fact_not_found", "requested field value not found")
    warning_check = catalog.checks["790926"]

    warned = _evaluate(warning_check, {"a": {"hacluster_has_default_password": False}, "b": {"x": error}})
    critical = _evaluate(catalog.checks["156F64"], {"a": {"corosync_token_timeout": error}})

    assert warned.result is Result.WARNING
    assert critical.result is Result.CRITICAL
    failed = _agent(warned, "b")
    assert isinstance(failed, AgentCheckError)
    assert (failed.type, failed.message) == (
        "fact_gathering_error",
        "Fact gathering error occurred during the execution",
    )
    assert [dataclasses.asdict(fact) for fact in failed.facts] == [
        {
            "check_id": "790926",
            "name": "x",
            "type": "fact_not_found",
            "message": "requested field value not found",
        }
    ]
    # the agent with an error contributes nothing, so the expectation cannot hold
    assert warned.expectation_results == [ExpectationResult("expectations_hacluster_passwd_changed", "expect", False)]


def test_timeout_is_always_critical(catalog: Catalog):
    check = catalog.checks["790926"]  # severity warning

    result = _evaluate(check, {"a": {"hacluster_has_default_password": False}}, timed_out=["b"])

    assert result.result is Result.CRITICAL
    assert _agent(result, "b") == AgentCheckError("b", "timeout", "Agent timed out during the execution")
    assert result.expectation_results[0].result is False


def test_all_agents_erroring_leaves_no_expectation_results(catalog: Catalog):
    result = _evaluate(catalog.checks["790926"], {}, timed_out=["a", "b"])

    assert result.result is Result.CRITICAL
    assert result.expectation_results == []


def test_missing_fact_is_an_expectation_error(catalog: Catalog):
    result = _evaluate(catalog.checks["156F64"], {"a": {}})

    [evaluation] = _agent(result, "a").expectation_evaluations
    assert isinstance(evaluation, ExpectationEvaluationError)
    assert evaluation.type == "property_not_found"
    assert evaluation.message
    assert result.result is Result.CRITICAL


def test_expect_same_compares_across_agents(catalog: Catalog):
    check = catalog.checks["82A031"]

    def facts(version):
        return {"installed_pacemaker_version": [{"version": version}]}

    same = _evaluate(check, {"a": facts("2.1.7"), "b": facts("2.1.7")})
    differ = _evaluate(check, {"a": facts("2.1.7"), "b": facts("2.1.6")})
    alone = _evaluate(check, {"a": facts("2.1.7")})

    assert same.result is Result.PASSING
    assert alone.result is Result.PASSING
    assert differ.result is Result.CRITICAL
    assert differ.expectation_results == [
        ExpectationResult(
            "pacemaker_version_identical",
            "expect_same",
            False,
            "Installed Pacemaker version is expected to be identical on all nodes, but differs",
        )
    ]
    assert [_agent(differ, a).expectation_evaluations[0].return_value for a in "ab"] == ["2.1.7", "2.1.6"]
    assert _agent(differ, "b").expectation_evaluations[0].failure_message is None


def test_expect_same_equality_is_type_strict_after_number_normalisation(tmp_path: Path):
    check = make_check(tmp_path, expectations=[{"name": "same", "expect_same": "facts.answer"}])

    whole = _evaluate(check, {"a": {"answer": 20}, "b": {"answer": 20.0}})
    typed = _evaluate(check, {"a": {"answer": 1}, "b": {"answer": True}})
    nested = _evaluate(check, {"a": {"answer": {"k": [1, "x"]}}, "b": {"answer": {"k": [1.0, "x"]}}})

    assert whole.result is Result.PASSING  # protobuf doubles: 20.0 arrives as 20
    assert typed.result is Result.CRITICAL
    assert nested.result is Result.PASSING
    assert typed.expectation_results[0].failure_message == "Expectation not met"


def test_expect_enum_outcomes_and_messages(catalog: Catalog):
    check = catalog.checks["61451E"]  # 3 SBD devices expected; severity warning is ignored by expect_enum

    def run(*devices):
        return _evaluate(check, {f"agent{i}": {"sbd_multiple_sbd_device": d} for i, d in enumerate(devices)})

    passing, warning, critical, mixed = run("/a;/b;/c"), run("/a;/b"), run("/a;;/b"), run("/a;/b;/c", "/a;/b")

    assert passing.result is Result.PASSING
    assert warning.result is Result.WARNING
    assert critical.result is Result.CRITICAL
    assert mixed.result is Result.WARNING
    assert mixed.expectation_results[0].result is Result.WARNING
    [warned] = _agent(warning, "agent0").expectation_evaluations
    assert (warned.return_value, warned.failure_message) == (
        Result.WARNING,
        "SBD devices count was expected to be '3' but configured value is '2'",
    )
    [failed] = _agent(critical, "agent0").expectation_evaluations
    assert (failed.return_value, failed.failure_message) == (
        Result.CRITICAL,
        "Critical - check syntax of SBD_DEVICE entries in the configuration",
    )


def test_expect_enum_unknown_results_are_critical_with_default_messages(tmp_path: Path):
    check = make_check(tmp_path, expectations=[{"name": "enum", "expect_enum": "facts.answer"}])

    result = _evaluate(check, {"a": {"answer": "warning"}, "b": {"answer": "bogus"}, "c": {"answer": None}})

    assert [(e.return_value, e.failure_message) for a in "abc" for e in _agent(result, a).expectation_evaluations] == [
        (Result.WARNING, "Expectation not met"),
        (Result.CRITICAL, "Expectation not met"),
        (Result.CRITICAL, "Expectation not met"),
    ]
    assert result.result is Result.CRITICAL


def test_non_boolean_expect_fails_without_a_message(tmp_path: Path):
    check = make_check(tmp_path, expectations=[{"name": "e", "expect": "facts.answer", "failure_message": "no"}])

    result = _evaluate(check, {"a": {"answer": 5}})

    assert _agent(result, "a").expectation_evaluations == [ExpectationEvaluation("e", "expect", 5)]
    assert result.result is Result.CRITICAL


def test_failing_interpolation_falls_back_to_the_default_message(tmp_path: Path):
    check = make_check(
        tmp_path,
        expectations=[{"name": "e", "expect": "facts.answer == 42", "failure_message": "got ${facts.nothing}"}],
    )

    result = _evaluate(check, {"a": {"answer": 1}})

    assert _agent(result, "a").expectation_evaluations[0].failure_message == "Expectation not met"


def test_an_expectation_that_does_not_parse_fails_on_every_agent_with_the_check_severity(tmp_path: Path):
    # wanda's "illegal expression" scenario: the check loads, each agent gets a parsing error.
    expectations = [{"name": "illegal", "expect": "jedi $%# 2"}, {"name": "fine", "expect": "facts.answer == 42"}]
    check = make_check(tmp_path, expectations=expectations, severity="warning")

    result = _evaluate(check, {"a": {"answer": 42}, "b": {"answer": 42}})

    for agent in ("a", "b"):
        illegal, fine = _agent(result, agent).expectation_evaluations
        assert isinstance(illegal, ExpectationEvaluationError)
        assert (illegal.name, illegal.type) == ("illegal", "parsing")
        assert "(line 1, position 6)" in illegal.message
        assert fine == ExpectationEvaluation("fine", "expect", True)
    assert result.expectation_results == [
        ExpectationResult("illegal", "expect", False),
        ExpectationResult("fine", "expect", True),
    ]
    assert result.result is Result.WARNING


def test_a_failure_message_that_does_not_parse_gives_the_default_message(tmp_path: Path):
    check = make_check(
        tmp_path, expectations=[{"name": "e", "expect": "facts.answer == 42", "failure_message": "got ${oops"}]
    )

    result = _evaluate(check, {"a": {"answer": 1}})

    assert _agent(result, "a").expectation_evaluations[0].failure_message == "Expectation not met"


def test_a_check_that_splits_a_command_with_open_ended_slices_loads_and_evaluates(tmp_path: Path):
    # The sudoers checks of release 1.2.0 cut a command into words with s[a..b] and s[a..].
    expect = """
        let command = facts.command;
        let words = [];
        let start = 0;
        for (ch, i) in command {
          if ch == " " { words.push(command[start..i]); start = i + 1; }
        }
        words.push(command[start..]);
        words[0] == "/usr/sbin/crm_attribute" && words[-1] == "hana_prd_*"
    """
    check = make_check(
        tmp_path,
        facts=[{"name": "command", "gatherer": "sudoers@v1"}],
        expectations=[{"name": "sudoers", "expect": expect}],
    )

    good = _evaluate(check, {"a": {"command": "/usr/sbin/crm_attribute -n hana_prd_*"}})
    bad = _evaluate(check, {"a": {"command": "/usr/sbin/crm_attribute -n hana_qas_*"}})

    assert _agent(good, "a").expectation_evaluations == [ExpectationEvaluation("sudoers", "expect", True)]
    assert (good.result, bad.result) == (Result.PASSING, Result.CRITICAL)


def test_expectations_do_not_see_env(tmp_path: Path):
    check = make_check(tmp_path, expectations=[{"name": "e", "expect": 'env.provider == "azure"'}])

    [evaluation] = _agent(_evaluate(check, {"a": {}}), "a").expectation_evaluations

    assert isinstance(evaluation, ExpectationEvaluationError)
    assert evaluation.type == "variable_not_found"


def test_unit_and_maps_come_back_as_json(tmp_path: Path):
    check = make_check(
        tmp_path,
        expectations=[
            {"name": "unit", "expect_same": "if false { 1 }"},
            {"name": "map", "expect_same": "#{a: [1, ()], b: facts.answer}"},
        ],
    )

    result = _evaluate(check, {"a": {"answer": None}})

    assert [e.return_value for e in _agent(result, "a").expectation_evaluations] == [
        None,
        {"a": [1, None], "b": None},
    ]
    assert json.loads(json.dumps(dataclasses.asdict(result)))["result"] == "passing"


def test_every_expectation_is_evaluated_in_order(catalog: Catalog):
    check = catalog.checks["DA114A"]  # two expect expectations

    result = _evaluate(check, {"a": {"corosync_nodes": []}})

    assert [e.name for e in _agent(result, "a").expectation_evaluations] == [e.name for e in check.expectations]
    assert len(result.expectation_results) == 2


def test_every_catalog_check_evaluates_without_facts_into_json(catalog: Catalog):
    for check in catalog.checks.values():
        result = _evaluate(check, {"a": {}})

        assert result.result in (Result.WARNING, Result.CRITICAL), check.id
        json.dumps(dataclasses.asdict(result))
