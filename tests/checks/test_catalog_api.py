"""Catalog, customizations and the check playground through the API; check_eval; schedules."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.checks import services
from apps.checks.catalog import catalog
from apps.checks.models import Execution, ScheduledSelection
from tests.checks.conftest import AGENT_A, API, GROUP, start
from tests.checks.engine.conftest import write_check

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_catalog")]

TOKEN = "156F64"


@pytest.fixture
def broken_catalog(tmp_path, shared_catalog, settings):
    """A folder with one good and two bad checks before the shared catalog."""
    write_check(tmp_path, "AAA001")
    write_check(tmp_path, "AAA002", expectations=[{"name": "bad", "expect": ["facts.x == 1"]}])
    (tmp_path / "AAA003.yaml").write_text("id: [unclosed")
    settings.CHECKS_CATALOG_DIRS = [str(tmp_path), str(shared_catalog)]
    return tmp_path


def test_the_catalog_is_listed_whole_or_filtered_by_env(admin_client):
    whole = admin_client.get(f"{API}/checks/catalog").json()
    azure = admin_client.get(f"{API}/checks/catalog", {"target_type": "cluster", "provider": "azure"}).json()
    hosts = admin_client.get(f"{API}/checks/catalog", {"target_type": "host"}).json()

    assert len(whole["items"]) == len(catalog().checks) == 135
    assert whole["errors"] == []
    expected = catalog().select(catalog().checks, {"target_type": "cluster", "provider": "azure"})
    assert [c["id"] for c in azure["items"]] == [c.id for c in expected]
    assert 0 < len(azure["items"]) < 135
    assert all(c["metadata"].get("target_type") in (None, "host") for c in hosts["items"])


def test_one_check_reads_as_wanda_returns_it(admin_client):
    check = admin_client.get(f"{API}/checks/catalog/{TOKEN}").json()

    assert check["id"] == TOKEN
    assert check["severity"] == "critical"
    assert check["premium"] is False
    assert check["facts"] == [
        {"name": "corosync_token_timeout", "gatherer": "corosync.conf@v1", "argument": "totem.token"}
    ]
    (value,) = check["values"]
    assert value["default"] == 5000
    assert value["conditions"][0] == {"value": 30000, "expression": 'env.provider == "azure" || env.provider == "aws"'}
    assert check["expectations"][0]["type"] == "expect"
    assert admin_client.get(f"{API}/checks/catalog/NOSUCH").status_code == 404


def test_a_bad_file_is_reported_with_its_id_and_never_breaks_the_rest(admin_client, broken_catalog):
    errors = admin_client.get(f"{API}/checks/catalog/errors").json()["items"]
    listed = admin_client.get(f"{API}/checks/catalog").json()

    assert {error["check"] for error in errors} == {"AAA002", "AAA003"}
    wrong_type = next(error for error in errors if error["check"] == "AAA002")
    assert (wrong_type["field"], wrong_type["message"]) == ("expectations[0].expect", "must be a string, got list")
    assert "cannot read YAML" in next(e for e in errors if e["check"] == "AAA003")["message"]
    ids = {check["id"] for check in listed["items"]}
    assert "AAA001" in ids
    assert TOKEN in ids
    assert len(listed["items"]) == 136
    assert listed["errors"] == errors


def test_customizations_are_validated_stored_listed_used_and_reset(admin_client, django_capture_on_commit_callbacks):
    url = f"{API}/groups/{GROUP}/checks/{TOKEN}/customization"

    applied = admin_client.post(
        url, {"values": [{"name": "expected_token_timeout", "value": 15000}]}, "application/json"
    )
    selectable = admin_client.get(
        f"{API}/groups/{GROUP}/checks", {"target_type": "cluster", "provider": "azure"}
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        execution_id = start(admin_client).json()["execution_id"]
    services.facts_submit(
        agent_id=AGENT_A,
        execution_id=execution_id,
        facts_gathered=[{"check_id": TOKEN, "name": "corosync_token_timeout", "value": 15000}],
    )
    services.execution_complete(execution_id=execution_id)
    reset = admin_client.delete(url)

    assert applied.status_code == 200
    assert applied.json()["custom_values"] == [{"name": "expected_token_timeout", "value": 15000}]
    token = next(item for item in selectable["items"] if item["id"] == TOKEN)
    assert token["customized"] is True
    assert token["values"] == [
        # the default the env selects (azure's), as wanda's resolved values give it
        {"name": "expected_token_timeout", "customizable": True, "default_value": 30000, "custom_value": 15000}
    ]
    (check,) = Execution.objects.get().result_data["check_results"]
    assert check["customized"] is True
    assert check["result"] == "passing"
    assert check["agents_check_results"][0]["values"] == [
        {"name": "expected_token_timeout", "value": 15000, "customized": True}
    ]
    assert reset.status_code == 204
    assert admin_client.delete(url).status_code == 404


@pytest.mark.parametrize(
    ("check_id", "values", "status", "code", "detail"),
    [
        (TOKEN, [{"name": "expected_token_timeout", "value": "15000"}], 400, "invalid_custom_values", "type_mismatch"),
        (TOKEN, [{"name": "nope", "value": 1}], 400, "invalid_custom_values", "value_not_found"),
        (TOKEN, [], 400, "invalid_custom_values", "no_values"),
        ("3A59DC", [{"name": "expected_solution", "value": "x"}], 403, "check_not_customizable", None),
        (
            "553B84",
            [{"name": "resource_provider", "value": "x"}],
            400,
            "invalid_custom_values",
            "value_not_customizable",
        ),
        (
            "83952D",
            [{"name": "resource_order", "value": ["a"]}],
            400,
            "invalid_custom_values",
            "value_not_customizable",
        ),
        ("NOSUCH", [{"name": "x", "value": 1}], 404, "check_not_found", None),
    ],
)
def test_invalid_customizations_are_refused_with_the_reason(admin_client, check_id, values, status, code, detail):
    url = f"{API}/groups/{GROUP}/checks/{check_id}/customization"

    response = admin_client.post(url, {"values": values}, "application/json")

    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    if detail:
        assert error["details"][0]["code"] == detail


# --- Playground -----------------------------------------------------------------------------

CHECK_YAML = """
id: "PLAY01"
name: token
group: Corosync
description: the token
remediation: fix it
severity: warning
facts:
  - name: token
    gatherer: corosync.conf@v1
    argument: totem.token
values:
  - name: expected
    default: 5000
    conditions:
      - value: 30000
        when: env.provider == "azure"
expectations:
  - name: token_ok
    expect: facts.token == values.expected
    failure_message: expected ${values.expected}, got ${facts.token}
"""


def evaluate(client, **body):
    return client.post(f"{API}/checks/evaluate", body, "application/json")


def test_the_playground_evaluates_yaml_text_like_an_execution(admin_client):
    response = evaluate(
        admin_client,
        check=CHECK_YAML,
        env={"provider": "azure"},
        target_type="cluster",
        facts={"node1": {"token": 30000}, "node2": {"token": 5000}},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "warning"
    assert body["applicable"] is True
    (check,) = body["check_results"]
    assert check["expectation_results"] == [{"name": "token_ok", "type": "expect", "result": False}]
    node2 = check["agents_check_results"][1]
    assert node2["expectation_evaluations"][0]["failure_message"] == "expected 30000, got 5000"


def test_the_playground_takes_a_catalog_id_fact_errors_and_custom_values(admin_client):
    response = evaluate(
        admin_client,
        check_id=TOKEN,
        facts={"n1": {"corosync_token_timeout": {"error_value": {"type": "no_file", "message": "gone"}}}},
    )
    custom = evaluate(
        admin_client,
        check_id=TOKEN,
        facts={"n1": {"corosync_token_timeout": 7}},
        custom_values={"expected_token_timeout": 7},
    )

    (entry,) = response.json()["check_results"][0]["agents_check_results"]
    assert entry["type"] == "fact_gathering_error"
    assert custom.json()["result"] == "passing"
    assert custom.json()["check_results"][0]["customized"] is True


def test_a_rhai_syntax_error_is_a_parsing_error_of_each_agent_not_a_refused_check(admin_client):
    bad = CHECK_YAML.replace("expect: facts.token == values.expected", "expect: |\n      let x = 1;\n      x == == 2")

    response = evaluate(admin_client, check=bad, facts={"n1": {"token": 1}, "n2": {"token": 1}})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "warning"  # the check's severity
    for agent in body["check_results"][0]["agents_check_results"]:
        (evaluation,) = agent["expectation_evaluations"]
        assert evaluation["type"] == "parsing"
        assert "(line 2, position 6)" in evaluation["message"]


def test_a_rhai_runtime_error_is_part_of_the_result(admin_client):
    response = evaluate(admin_client, check_id=TOKEN, facts={"n1": {"other": 1}})

    (evaluation,) = response.json()["check_results"][0]["agents_check_results"][0]["expectation_evaluations"]
    assert evaluation["type"] == "property_not_found"
    assert "(line 1, position" in evaluation["message"]
    assert response.json()["result"] == "critical"


def test_a_bad_playground_request_is_a_422_and_staff_only(admin_client, client):
    missing = evaluate(admin_client, facts={"n1": {}})
    not_yaml = evaluate(admin_client, check="id: [", facts={"n1": {}})
    incomplete = evaluate(admin_client, check="id: X1\nname: x\n", facts={"n1": {}})

    assert missing.status_code == not_yaml.status_code == incomplete.status_code == 422
    assert "cannot read YAML" in not_yaml.json()["error"]["message"]
    fields = {d["field"] for d in incomplete.json()["error"]["details"]}
    assert {"facts", "expectations", "group"} <= fields
    assert evaluate(client, check_id=TOKEN, facts={"n1": {}}).status_code in (401, 403)


def test_check_eval_prints_the_playgrounds_json(tmp_path):
    (tmp_path / "check.yaml").write_text(CHECK_YAML)
    (tmp_path / "env.json").write_text(json.dumps({"provider": "azure"}))
    (tmp_path / "facts.json").write_text(json.dumps({"node1": {"token": 30000}}))
    out = StringIO()

    call_command(
        "check_eval",
        str(tmp_path / "check.yaml"),
        "--env",
        str(tmp_path / "env.json"),
        "--facts",
        str(tmp_path / "facts.json"),
        stdout=out,
    )

    printed = json.loads(out.getvalue())
    assert printed == services.playground_evaluate(
        check=services.check_from_yaml(CHECK_YAML),
        env={"provider": "azure"},
        target_type=None,
        agents={"node1": {"token": 30000}},
    )
    assert printed["result"] == "passing"


def test_check_eval_reports_a_bad_check(tmp_path):
    (tmp_path / "check.yaml").write_text(CHECK_YAML.replace("severity: warning", "severity: [warning]"))
    (tmp_path / "facts.json").write_text("{}")
    out = StringIO()

    with pytest.raises(CommandError, match="severity: must be a string"):
        call_command("check_eval", str(tmp_path / "check.yaml"), "--facts", str(tmp_path / "facts.json"), stdout=out)
    details = json.loads(out.getvalue())["error"]["details"]
    assert details == [{"field": "severity", "message": "must be a string, got list"}]


# --- Schedules ------------------------------------------------------------------------------


def test_a_scheduled_selection_starts_an_execution_when_due():
    selection = ScheduledSelection.objects.create(
        name="nightly",
        group_id=GROUP,
        checks=[TOKEN],
        targets=[{"agent_id": AGENT_A}],
        env={"provider": "azure"},
        interval_minutes=60,
    )

    assert services.schedules_run() == 1
    assert services.schedules_run() == 0  # not due again for an hour
    ScheduledSelection.objects.filter(pk=selection.pk).update(next_run_at=timezone.now() - timedelta(seconds=1))
    assert services.schedules_run() == 0  # the first one is still running

    selection.refresh_from_db()
    execution = Execution.objects.get()
    assert selection.last_execution == execution
    assert execution.started_by == "schedule nightly"
    assert execution.targets == [{"agent_id": AGENT_A, "checks": [TOKEN], "attributes": {}}]
    assert "already has a running execution" in selection.last_error
    assert selection.next_run_at > timezone.now() + timedelta(minutes=59)


def test_a_machine_uses_the_playground_with_an_api_key_of_the_checks_system(client):
    from apps.hub.models import System
    from apps.hub.services import api_key_create

    _, checks_key = api_key_create(system=System.objects.get(identifier="checks"), name="ci")
    _, other_key = api_key_create(system=System.objects.create(name="CRM", role="producer"), name="crm")
    body = {"check_id": TOKEN, "facts": {"n1": {"corosync_token_timeout": 30000}}}

    accepted = client.post(f"{API}/checks/evaluate", body, "application/json", HTTP_X_API_KEY=checks_key)
    other = client.post(f"{API}/checks/evaluate", body, "application/json", HTTP_X_API_KEY=other_key)
    wrong = client.post(f"{API}/checks/evaluate", body, "application/json", HTTP_X_API_KEY="jct_0_nope")

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["check_results"][0]["check_id"] == TOKEN
    assert other.status_code == 403
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "The API key is not valid (or was revoked)."
