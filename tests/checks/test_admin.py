"""The checks admin: catalog pages for non-developers, load errors, playground, executions."""

import json

import pytest
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from apps.checks.models import Customization, Execution
from tests.checks.conftest import AGENT_A, AGENT_B, GROUP
from tests.checks.engine.conftest import write_check

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_catalog")]


def test_the_catalog_is_on_the_admin_index_and_lists_every_check(admin_client):
    index = admin_client.get(reverse("admin:index")).content.decode()
    page = admin_client.get(reverse("admin:checks_catalogcheck_changelist"))

    assert reverse("admin:checks_catalogcheck_changelist") in index
    assert page.status_code == 200
    assert page.content.decode().count('href="/admin/checks/catalogcheck/') >= 135
    assert "135 checks in the catalog" in page.content.decode()


def test_the_catalog_filters_by_group_severity_applicability_and_search(admin_client):
    url = reverse("admin:checks_catalogcheck_changelist")

    corosync = admin_client.get(url, {"group": "Corosync"}).context["rows"]
    warnings = admin_client.get(url, {"severity": "warning"}).context["rows"]
    hosts = admin_client.get(url, {"target_type": "host"}).context["rows"]
    token = admin_client.get(url, {"q": "token timeout"}).context["rows"]

    assert corosync
    assert all(row["check"].group == "Corosync" for row in corosync)
    assert all(row["check"].severity == "warning" for row in warnings)
    assert all(row["check"].metadata.get("target_type") in (None, "host") for row in hosts)
    assert "156F64" in {row["check"].id for row in token}


def test_a_check_reads_as_sanitised_markdown(admin_client, tmp_path, settings, shared_catalog):
    write_check(
        tmp_path,
        "MD0001",
        description="**Bold** text <script>alert(1)</script>",
        remediation="## Remediation\nRun `crm configure`.\n\n<img src=x onerror=alert(1)>",
    )
    settings.CHECKS_CATALOG_DIRS = [str(tmp_path)]

    page = admin_client.get(reverse("admin:checks_catalog_check", args=["MD0001"])).content.decode()

    assert "<strong>Bold</strong>" in page
    assert "<h2>Remediation</h2>" in page
    assert "<code>crm configure</code>" in page
    assert "<script>alert" not in page
    remediation = page[
        page.index('id="check-remediation"') : page.index("</section>", page.index('id="check-remediation"'))
    ]
    assert "<img" in remediation
    assert "onerror" not in remediation
    assert admin_client.get(reverse("admin:checks_catalog_check", args=["NOSUCH"])).status_code == 404


def test_load_errors_are_listed_with_the_check_and_the_problem(admin_client, tmp_path, settings, shared_catalog):
    write_check(tmp_path, "BAD001", facts=None)
    settings.CHECKS_CATALOG_DIRS = [str(tmp_path), str(shared_catalog)]

    page = admin_client.get(reverse("admin:checks_catalog_errors")).content.decode()
    catalog = admin_client.get(reverse("admin:checks_catalogcheck_changelist")).content.decode()

    assert "BAD001" in page
    assert "required key is missing" in page
    assert "1 file(s) could not be loaded" in catalog


def test_the_playground_page_evaluates_and_shows_rhai_errors(admin_client):
    url = reverse("admin:checks_playground")
    check = "id: X1\nname: x\ngroup: g\ndescription: d\nremediation: r\nfacts: []\nexpectations:\n  - name: e\n"

    good = admin_client.post(url, {"check_id": "156F64", "facts": '{"n1": {"corosync_token_timeout": 5000}}'})
    syntax = admin_client.post(url, {"check": check + "    expect: 1 +\n", "facts": '{"n1": {}}'})
    invalid = admin_client.post(url, {"check": check + "    expect: [1]\n", "facts": '{"n1": {}}'})

    assert good.status_code == 200
    assert good.context["result"]["result"] == "passing"
    assert 'id="playground-result"' in good.content.decode()
    assert syntax.context["result"]["result"] == "critical"
    assert "(line 1, position 4)" in syntax.content.decode()
    assert invalid.context["error"].code == "invalid_check"
    assert "must be a string" in invalid.content.decode()


def test_the_playground_shows_the_result_as_tables_per_check_and_agent_with_the_json_folded_away(admin_client):
    facts = {
        "n1": {"corosync_token_timeout": 5000},
        "n2": {"corosync_token_timeout": 30000},
        "n3": {"corosync_token_timeout": {"error_value": {"type": "fact_gathering_error", "message": "no corosync"}}},
    }
    data = {"check_id": "156F64", "env": '{"provider": "azure"}', "facts": json.dumps(facts)}

    page = admin_client.post(reverse("admin:checks_playground"), data).content.decode()

    assertInHTML("<tr><td><code>token_timeout</code></td><td>failed</td><td>-</td></tr>", page)
    assertInHTML(
        "<p><code>token_timeout</code>: failed<br><span class=\"message\">Corosync 'token' timeout value was "
        "expected to be '30000' but configured value is '5000'</span></p>",
        page,
    )  # n1
    assertInHTML("<p><code>token_timeout</code>: passed</p>", page)  # n2
    assertInHTML("<p><code>expected_token_timeout</code> = <code>30000</code></p>", page, count=2)
    assertInHTML("<p><code>corosync_token_timeout</code> = <code>5000</code></p>", page)
    assertInHTML(
        '<p class="agent-problem">Fact gathering error occurred during the execution</p>', page
    )  # n3: nothing evaluated there
    assertInHTML("<p><code>corosync_token_timeout</code>: not gathered, no corosync (fact_gathering_error)</p>", page)
    raw = page.split('<details id="playground-raw">')[1].split("</details>")[0]
    assert "&quot;agents_check_results&quot;" in raw


def test_the_playground_says_when_an_expectation_could_not_be_evaluated(admin_client):
    response = admin_client.post(reverse("admin:checks_playground"), {"check_id": "0B6DB2", "facts": '{"n1": {}}'})

    assertInHTML(
        "<p><code>expectations_sbd_pacemaker</code>: could not be evaluated (property_not_found)<br>"
        '<span class="message">Property not found: sbd_pacemaker (line 1, position 7)</span></p>',
        response.content.decode(),
    )


def test_an_execution_is_started_from_the_admin_and_its_result_shown(admin_client):
    response = admin_client.post(
        reverse("admin:checks_execution_start"),
        {
            "group_id": str(GROUP),
            "agent_ids": f"{AGENT_A}\n{AGENT_B}",
            "checks": "156F64, NOSUCH",
            "target_type": "cluster",
            "env": '{"provider": "azure"}',
        },
    )
    execution = Execution.objects.get()
    from apps.checks import services

    for agent in (AGENT_A, AGENT_B):
        services.facts_submit(
            agent_id=agent,
            execution_id=execution.pk,
            facts_gathered=[{"check_id": "156F64", "name": "corosync_token_timeout", "value": 30000}],
        )
    services.execution_complete(execution_id=execution.pk)
    page = admin_client.get(reverse("admin:checks_execution_change", args=[execution.pk])).content.decode()
    listing = admin_client.get(reverse("admin:checks_execution_changelist")).content.decode()

    assert response.status_code == 302
    assert execution.checks == ["156F64"]
    assert 'id="check-results"' in page
    assert "passing" in page
    assert f"<td><code>{AGENT_B}</code></td>" in page  # each agent a row of the check's table
    assert "<code>corosync_token_timeout</code> = <code>30000</code>" in page  # the facts it had
    assert '<a href="/admin/checks/catalogcheck/156F64/"><code>156F64</code></a>' in page
    assert "Start an execution" in listing


def test_starting_while_running_shows_the_reason(admin_client):
    data = {"group_id": str(GROUP), "agent_ids": AGENT_A, "checks": "156F64", "target_type": "cluster", "env": "{}"}
    admin_client.post(reverse("admin:checks_execution_start"), data)

    again = admin_client.post(reverse("admin:checks_execution_start"), data)

    assert again.status_code == 200
    assert "already has a running execution" in again.content.decode()


def test_a_customization_is_validated_in_the_admin(admin_client):
    url = reverse("admin:checks_customization_add")

    wrong = admin_client.post(
        url, {"group_id": str(GROUP), "check_id": "156F64", "values": '{"expected_token_timeout": "x"}'}
    )
    right = admin_client.post(
        url, {"group_id": str(GROUP), "check_id": "156F64", "values": '{"expected_token_timeout": 9}'}
    )

    assert "must be of type int" in wrong.content.decode()
    assert right.status_code == 302
    assert Customization.objects.get().values == {"expected_token_timeout": 9}


def test_try_it_in_the_playground_opens_it_with_the_check_and_its_facts(admin_client, shared_catalog):
    page = admin_client.get("/admin/checks/catalogcheck/playground/", {"check_id": "156F64"}).content.decode()

    assert 'value="156F64"' in page
    assert "corosync_token_timeout" in page
