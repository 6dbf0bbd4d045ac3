"""Executions end to end: the real Celery worker evaluates, the reference agent gathers real facts."""

import os
import sys

import pytest

from apps.checks import agent, services
from apps.checks.models import Execution
from apps.eventstore import store
from tests.checks.conftest import AGENT_A, AGENT_B, answer_all, start
from tests.processes import ManagedProcess, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shared_catalog")]

ASCS = {"cluster_type": "ascs_ers", "provider": "kvm"}


def completed(execution_id: str, timeout: float = 60) -> Execution:
    return wait_for(
        lambda: Execution.objects.filter(pk=execution_id, status="completed").first(),
        timeout=timeout,
        what=f"execution {execution_id} to complete",
    )


def test_the_reference_agent_answers_with_real_facts_and_the_worker_evaluates(
    celery_worker, live_server, admin_client, agent_key, tmp_path
):
    checks = ["87EE50", "BC9DF9", "1F877F"]  # systemd >= 234; same python3 everywhere; sapadm user (needs SAP)
    execution_id = start(admin_client, checks=checks, env=ASCS).json()["execution_id"]
    argv = [sys.executable, "manage.py", "junction_agent", "--url", live_server.url, "--agent-id", AGENT_A]
    argv += ["--api-key", agent_key, "--wait", "1", "--exit-after", "1"]

    process = ManagedProcess(argv, log_path=tmp_path / "agent.log", env=dict(os.environ))
    try:
        assert process.proc.wait(timeout=60) == 0, process.output()
        execution = completed(execution_id)
    finally:
        process.stop()

    results = {check["check_id"]: check for check in execution.result_data["check_results"]}
    assert list(results) == checks
    systemd_newer = agent.package_version("systemd,234") < 1
    assert results["87EE50"]["result"] == ("passing" if systemd_newer else "critical")
    (python,) = results["BC9DF9"]["agents_check_results"]
    assert python["facts"] == [
        {"check_id": "BC9DF9", "name": "installed_python3_version", "value": agent.package_version("python3")}
    ]
    assert results["BC9DF9"]["result"] == "passing"
    (sap,) = results["1F877F"]["agents_check_results"]
    assert sap["type"] == "fact_gathering_error"
    errors = {fact["name"]: fact for fact in sap["facts"]}
    assert errors["cluster_sids"]["type"] == "gatherer_not_available"
    assert any(user["user"] == "root" for user in errors["passwd"]["value"])
    assert execution.result == "critical"
    assert "Answered 1 facts request(s)." in process.output()
    events = store.read_stream(services.stream_for(execution_id))
    assert [event.type for event in events] == ["ChecksExecutionStarted", "ChecksExecutionCompleted"]
    assert events[1].data["result"] == "critical"


def test_an_agent_that_never_answers_times_out_through_the_countdown_task(
    celery_worker, settings, client, admin_client, agent_key
):
    settings.CHECKS_EXECUTION_TIMEOUT_SECONDS = 2
    execution_id = start(admin_client, agents=(AGENT_A, AGENT_B)).json()["execution_id"]
    answer_all(client, agent_key, AGENT_A, {"corosync_token_timeout": 30000})

    execution = completed(execution_id, timeout=30)

    assert execution.result_data["timeout"] == [AGENT_B]
    assert execution.result == "critical"
    (check,) = execution.result_data["check_results"]
    assert {entry["agent_id"]: entry.get("type") for entry in check["agents_check_results"]} == {
        AGENT_A: None,
        AGENT_B: "timeout",
    }
    assert store.read_stream(services.stream_for(execution_id))[-1].type == "ChecksExecutionCompleted"
