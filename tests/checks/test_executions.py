"""Executions through the API: start, agents' facts over HTTP, evaluation, events, timeouts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.checks import services
from apps.checks.engine import Target
from apps.checks.models import Execution, FactsRequest
from apps.eventstore import store
from tests.checks.conftest import AGENT_A, AGENT_B, API, GROUP, answer_all, fetch, post_facts, start
from tests.checks.engine.conftest import write_check

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_catalog")]


@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    """Evaluation tasks run inline here; the real worker is exercised in test_end_to_end.py."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_an_execution_runs_from_start_to_result_with_agents_answering_over_http(
    admin_client, client, agent_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = start(admin_client, agents=(AGENT_A, AGENT_B))
    assert response.status_code == 202, response.content
    execution_id = response.json()["execution_id"]
    assert response.json()["group_id"] == str(GROUP)

    (request,) = fetch(client, agent_key, AGENT_A).json()["items"]
    assert request["execution_id"] == execution_id
    assert request["fact_requests"] == [
        {
            "check_id": "156F64",
            "name": "corosync_token_timeout",
            "gatherer": "corosync.conf@v1",
            "argument": "totem.token",
        }
    ]
    running = admin_client.get(f"{API}/checks/executions/{execution_id}").json()
    assert running["status"] == "running"
    assert running["result"] is None
    assert running["check_results"] is None
    assert running["passing_count"] is None

    with django_capture_on_commit_callbacks(execute=True):
        answer_all(client, agent_key, AGENT_A, {"corosync_token_timeout": 30000})
    assert Execution.objects.get().status == "running"
    with django_capture_on_commit_callbacks(execute=True):
        answer_all(client, agent_key, AGENT_B, {"corosync_token_timeout": 5000.0})

    done = admin_client.get(f"{API}/checks/executions/{execution_id}").json()
    assert done["status"] == "completed"
    assert done["result"] == "critical"
    assert (done["critical_count"], done["warning_count"], done["passing_count"]) == (1, 0, 0)
    assert done["timeout"] == []
    (check,) = done["check_results"]
    assert check["check_id"] == "156F64"
    assert check["expectation_results"] == [{"name": "token_timeout", "type": "expect", "result": False}]
    by_agent = {entry["agent_id"]: entry for entry in check["agents_check_results"]}
    assert by_agent[AGENT_A]["expectation_evaluations"][0]["return_value"] is True
    evaluation_b = by_agent[AGENT_B]["expectation_evaluations"][0]
    assert evaluation_b["return_value"] is False
    assert evaluation_b["failure_message"] == (
        "Corosync 'token' timeout value was expected to be '30000' but configured value is '5000'"
    )
    assert by_agent[AGENT_B]["values"] == [{"name": "expected_token_timeout", "value": 30000, "customized": False}]
    assert fetch(client, agent_key, AGENT_A).json()["items"] == []

    started, completed = store.read_stream(services.stream_for(execution_id))
    assert started.type == "ChecksExecutionStarted"
    assert started.data["targets"] == [
        {"agent_id": AGENT_A, "checks": ["156F64"]},
        {"agent_id": AGENT_B, "checks": ["156F64"]},
    ]
    assert completed.type == "ChecksExecutionCompleted"
    assert completed.data["result"] == "critical"
    assert completed.cause_id == started.event_id
    assert str(completed.correlation_id) == execution_id


def test_no_applicable_check_is_a_422(admin_client):
    unknown = start(admin_client, checks=["NOSUCH"])
    not_applicable = start(admin_client, checks=["156F64"], env={"cluster_type": "hana_scale_up", "hana_scenario": "x"})
    unknown_dropped = start(admin_client, checks=["156F64", "NOSUCH"])

    for response in (unknown, not_applicable):
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "no_checks_selected"
    assert unknown_dropped.status_code == 202
    assert Execution.objects.get().checks == ["156F64"]


def test_one_running_execution_per_group(admin_client):
    assert start(admin_client).status_code == 202

    again = start(admin_client)
    other_group = start(admin_client, group="5f1c4d0e-0000-4000-8000-000000000002")

    assert again.status_code == 422
    assert again.json()["error"]["code"] == "already_running"
    assert other_group.status_code == 202


def test_an_invalid_start_body_is_a_422_with_the_fields(admin_client):
    url = f"{API}/checks/executions/start"
    bad_fields = admin_client.post(
        url,
        {"group_id": "nope", "targets": [{"agent_id": AGENT_A, "checks": ["156F64"], "extra": 1}]},
        "application/json",
    )
    unknown_key = admin_client.post(
        url,
        {"group_id": str(GROUP), "targets": [{"agent_id": AGENT_A, "checks": ["156F64"]}], "bogus": 1},
        "application/json",
    )

    assert bad_fields.status_code == unknown_key.status_code == 422
    assert set(bad_fields.json()["error"]["details"]) == {"group_id", "targets"}
    assert bad_fields.json()["error"]["details"]["targets"] == {"0": {"extra": ["Unknown field."]}}
    assert unknown_key.json()["error"]["details"] == {"bogus": ["Unknown field."]}


def test_an_agent_needs_an_agents_key(client, admin_client, agent_key):
    from apps.hub.models import System
    from apps.hub.services import api_key_create

    other = System.objects.create(name="CRM", identifier="crm", role="producer", kind="CRM")
    _, producer_key = api_key_create(system=other, name="not an agent")

    assert fetch(client, "jct_wrong").status_code == 401
    assert fetch(client, producer_key).status_code == 401
    assert client.get(f"{API}/agents/{AGENT_A}/facts-requests").json()["error"]["code"] == "not_authenticated"
    assert fetch(client, agent_key).status_code == 200


def test_facts_for_an_unknown_or_finished_execution_are_refused(client, admin_client, agent_key):
    execution_id = start(admin_client).json()["execution_id"]
    facts = [{"check_id": "156F64", "name": "corosync_token_timeout", "value": 30000}]

    stranger = post_facts(client, agent_key, execution_id, facts, agent=AGENT_B)
    first = post_facts(client, agent_key, execution_id, facts)
    second = post_facts(client, agent_key, execution_id, facts)

    assert stranger.status_code == 404
    assert stranger.json()["error"]["code"] == "no_facts_request"
    assert first.status_code == 202
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "not_pending"


def test_a_malformed_fact_is_a_400(client, admin_client, agent_key):
    execution_id = start(admin_client).json()["execution_id"]

    response = post_facts(client, agent_key, execution_id, [{"check_id": "156F64", "name": "x"}])

    assert response.status_code == 400
    assert "facts_gathered" in response.json()["error"]["details"]


def test_a_fact_gathering_error_gives_the_checks_severity(
    client, admin_client, agent_key, django_capture_on_commit_callbacks
):
    ascs = {"cluster_type": "ascs_ers", "provider": "kvm"}
    execution_id = start(admin_client, checks=["E090D8"], env=ascs).json()["execution_id"]
    error = {"type": "gatherer_not_available", "message": "no fstab here"}

    with django_capture_on_commit_callbacks(execute=True):
        post_facts(client, agent_key, execution_id, [{"check_id": "E090D8", "name": "fstab", "error_value": error}])

    done = admin_client.get(f"{API}/checks/executions/{execution_id}").json()
    (entry,) = done["check_results"][0]["agents_check_results"]
    assert entry["type"] == "fact_gathering_error"
    assert entry["facts"] == [{"check_id": "E090D8", "name": "fstab", **error}]
    assert done["result"] == "warning"  # E090D8's severity


def test_an_agent_that_never_answers_is_reported_timed_out(client, admin_client, agent_key):
    execution_id = start(admin_client, agents=(AGENT_A, AGENT_B)).json()["execution_id"]
    answer_all(client, agent_key, AGENT_A, {"corosync_token_timeout": 30000})

    assert services.execution_complete(execution_id=execution_id) is None  # B may still answer
    Execution.objects.filter(pk=execution_id).update(timeout_at=timezone.now() - timedelta(seconds=1))
    assert services.executions_sweep() == 1

    done = admin_client.get(f"{API}/checks/executions/{execution_id}").json()
    assert done["status"] == "completed"
    assert done["timeout"] == [AGENT_B]
    assert done["result"] == "critical"
    entries = {e["agent_id"]: e for e in done["check_results"][0]["agents_check_results"]}
    assert entries[AGENT_B] == {
        "agent_id": AGENT_B,
        "type": "timeout",
        "message": "Agent timed out during the execution",
        "facts": None,
    }
    assert FactsRequest.objects.get(agent_id=AGENT_B).status == "timed_out"
    late = post_facts(client, agent_key, execution_id, [], agent=AGENT_B)
    assert late.status_code == 409
    assert store.read_stream(services.stream_for(execution_id))[-1].data["timeout"] == [AGENT_B]


def test_executions_are_listed_newest_first_and_by_group(admin_client):
    first = start(admin_client).json()["execution_id"]
    Execution.objects.filter(pk=first).update(status="completed", started_at=timezone.now() - timedelta(minutes=5))
    second = start(admin_client).json()["execution_id"]
    start(admin_client, group="5f1c4d0e-0000-4000-8000-000000000002")

    listed = admin_client.get(f"{API}/checks/executions", {"group_id": str(GROUP)}).json()
    last = admin_client.get(f"{API}/checks/groups/{GROUP}/executions/last").json()
    page = admin_client.get(f"{API}/checks/executions", {"items_per_page": 1, "page": 2}).json()

    assert [item["execution_id"] for item in listed["items"]] == [second, first]
    assert listed["total_count"] == 2
    assert last["execution_id"] == second
    assert page["total_count"] == 3
    assert len(page["items"]) == 1
    assert admin_client.get(f"{API}/checks/groups/{AGENT_A}/executions/last").status_code == 404


def test_the_api_is_for_staff(client):
    assert client.get(f"{API}/checks/executions").status_code in (401, 403)
    assert start(client).status_code in (401, 403)


def test_an_excluded_agent_is_recorded_with_the_expression_that_excluded_it_at_the_start(
    tmp_path, settings, client, agent_key
):
    before, after = tmp_path / "before", tmp_path / "after"
    for folder, provider in ((before, "aws"), (after, "gcp")):
        folder.mkdir()
        write_check(folder, "EXCL01", exclude=f'host.provider == "{provider}"')
    settings.CHECKS_CATALOG_DIRS = [str(before)]
    targets = [Target(AGENT_A, ["EXCL01"], {"provider": "aws"}), Target(AGENT_B, ["EXCL01"], {"provider": "gcp"})]
    execution = services.execution_start(group_id=GROUP, targets=targets, target_type="cluster", env={})

    settings.CHECKS_CATALOG_DIRS = [str(after)]  # the check's exclude changes while agents gather
    answer_all(client, agent_key, AGENT_B, {"answer": 42})
    services.execution_complete(execution_id=execution.pk)

    execution.refresh_from_db()
    assert execution.excluded == [
        {"check_id": "EXCL01", "agent_id": AGENT_A, "exclude_expression": 'host.provider == "aws"'}
    ]
    assert not FactsRequest.objects.filter(execution=execution, agent_id=AGENT_A).exists()
    entries = execution.result_data["check_results"][0]["agents_check_results"]
    assert [(e["agent_id"], e["status"]) for e in entries] == [(AGENT_B, "executed"), (AGENT_A, "excluded")]
    assert entries[1]["exclude_expression"] == 'host.provider == "aws"'
    assert execution.result == "passing"
