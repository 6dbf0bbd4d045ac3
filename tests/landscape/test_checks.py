"""Checks for clusters and hosts (spec §7): selection, execution requests with the landscape's env, the
scheduler, and results folding into health."""

import uuid

import pytest
from django.utils import timezone

from apps.checks import services as checks_services
from apps.checks.models import Execution
from apps.eventstore import store
from apps.eventstore.models import EventRecord
from apps.landscape.checks import execution_plan, executions_request_all
from apps.landscape.commands import cluster_id
from apps.landscape.models import ApplicationInstance, Cluster, Host, SapSystem
from tests.checks.conftest import answer_all
from tests.discovery.agents import DB_HOST, as_agent, host_envelope, post, settle
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_catalog")]

# Applicable to an Azure HANA scale-up cluster: corosync token, and the sbd watchdog timeout.
CLUSTER_CHECKS = ["156F64", "0B6DB2"]
HOST_CHECK = "3A361F"  # a check for hosts (target_type host)


@pytest.fixture
def hana_cluster(client, agent_key, shared_dir) -> str:
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    post(client, agent_key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))
    return HANA_CLUSTER


def select(admin_client, kind: str, group: str, checks: list[str]):
    return admin_client.post(f"/api/v1/{kind}s/{group}/checks", {"checks": checks}, content_type="application/json")


def request_execution(admin_client, kind: str, group: str):
    return admin_client.post(f"/api/v1/{kind}s/{group}/checks/request_execution")


def test_selecting_checks_records_checks_selected_on_the_cluster(admin_client, hana_cluster):
    response = select(admin_client, "cluster", hana_cluster, CLUSTER_CHECKS)

    assert response.status_code == 202, response.content
    assert response.json() == {"checks": CLUSTER_CHECKS}
    (selected,) = [e for e in store.read_stream(f"cluster-{hana_cluster}") if e.type == "ChecksSelected"]
    assert selected.data == {"cluster_id": hana_cluster, "checks": CLUSTER_CHECKS}
    assert selected.actor == "user admin"
    settle()
    assert Cluster.objects.get(id=hana_cluster).selected_checks == CLUSTER_CHECKS
    assert admin_client.get(f"/api/v1/clusters/{hana_cluster}").json()["selected_checks"] == CLUSTER_CHECKS


def test_a_selection_with_a_check_the_catalog_lacks_is_refused_and_nothing_recorded(admin_client, hana_cluster):
    before = EventRecord.objects.count()

    response = select(admin_client, "cluster", hana_cluster, ["156F64", "NOPE00"])

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_checks"
    assert response.json()["error"]["details"] == {"checks": ["NOPE00"]}
    assert EventRecord.objects.count() == before


def test_an_unknown_cluster_is_a_404(admin_client, db):
    response = select(admin_client, "cluster", "00000000-0000-4000-8000-000000000000", CLUSTER_CHECKS)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "cluster_not_found"


def test_an_execution_without_a_selection_is_refused(admin_client, hana_cluster):
    response = request_execution(admin_client, "cluster", hana_cluster)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_checks_selected"
    assert not Execution.objects.exists()


def test_an_execution_runs_on_the_clusters_hosts_with_the_env_built_from_the_landscape(admin_client, hana_cluster):
    select(admin_client, "cluster", hana_cluster, CLUSTER_CHECKS)
    settle()

    response = request_execution(admin_client, "cluster", hana_cluster)

    assert response.status_code == 202, response.content
    execution = Execution.objects.get(pk=response.json()["execution_id"])
    assert str(execution.group_id) == hana_cluster
    assert execution.target_type == "cluster"
    assert execution.env == {
        "cluster_type": "hana_scale_up",
        "provider": "azure",
        "architecture_type": "classic",
        "hana_scenario": "performance_optimized",
        "target_type": "cluster",
    }
    assert [t["agent_id"] for t in execution.targets] == [DB_HOST]
    assert sorted(execution.checks) == sorted(CLUSTER_CHECKS)
    assert execution.started_by == "user admin"


def test_a_critical_result_folds_into_the_clusters_health_correlated_with_the_execution(
    client, admin_client, agent_key, hana_cluster
):
    select(admin_client, "cluster", hana_cluster, ["156F64"])
    settle()
    execution_id = request_execution(admin_client, "cluster", hana_cluster).json()["execution_id"]

    answer_all(client, agent_key, DB_HOST, {"corosync_token_timeout": 1})  # far below the expected 30000
    checks_services.execution_complete(execution_id=execution_id)
    settle()

    cluster = Cluster.objects.get(id=hana_cluster)
    assert (cluster.checks_health, cluster.health) == ("critical", "critical")
    events = {e.type: e for e in store.read_stream(f"cluster-{hana_cluster}")}
    changed = events["ClusterChecksHealthChanged"]
    assert changed.data == {"cluster_id": hana_cluster, "checks_health": "critical"}
    assert str(changed.correlation_id) == execution_id
    assert events["ClusterHealthChanged"].data["health"] == "critical"


def test_host_checks_run_with_the_hosts_arch_and_provider_and_fold_into_its_health(
    client, admin_client, agent_key, shared_dir
):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    post(client, agent_key, as_agent(load(shared_dir, "web/cloud_discovery_azure.json"), DB_HOST))
    assert select(admin_client, "host", DB_HOST, [HOST_CHECK]).status_code == 202
    settle()

    execution_id = request_execution(admin_client, "host", DB_HOST).json()["execution_id"]

    execution = Execution.objects.get(pk=execution_id)
    assert execution.env == {"arch": "x86_64", "provider": "azure", "target_type": "host"}
    assert [t["agent_id"] for t in execution.targets] == [DB_HOST]
    Execution.objects.filter(pk=execution_id).update(timeout_at=execution.started_at)  # the agent never answers
    checks_services.execution_complete(execution_id=execution_id)
    settle()
    assert Host.objects.get(id=DB_HOST).checks_health == "critical"
    assert select(admin_client, "host", DB_HOST, []).json() == {"checks": []}  # clearing the selection


def test_the_scheduler_runs_every_selection_and_skips_what_cannot_run(client, admin_client, agent_key, shared_dir):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    post(client, agent_key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))
    envelope = load(shared_dir, "web/ha_cluster_discovery_ascs_ers.json")
    envelope["payload"]["DC"] = True
    post(client, agent_key, host_envelope(shared_dir, envelope["agent_id"], "sapnwpas", "10.80.1.25"))
    post(client, agent_key, envelope)
    select(admin_client, "cluster", HANA_CLUSTER, ["156F64"])
    settle()

    assert executions_request_all() == 1  # the ASCS/ERS cluster has no selection
    assert executions_request_all() == 0  # the first one still runs
    execution = Execution.objects.get()
    assert (str(execution.group_id), execution.started_by) == (HANA_CLUSTER, "scheduler")


def test_an_ascs_ers_clusters_env_names_its_ensa_version_and_filesystem_type(client, agent_key, shared_dir):
    envelope = load(shared_dir, "web/ha_cluster_discovery_ascs_ers.json")
    envelope["payload"]["DC"] = True
    node = envelope["agent_id"]
    post(client, agent_key, host_envelope(shared_dir, node, "sapnwpas", "10.80.1.25"))
    post(client, agent_key, envelope)
    cluster = Cluster.objects.get(id=cluster_id(envelope["payload"]["Id"]))
    # The read models as the SAP system discoveries of the cluster's SID would leave them.
    now = timezone.now()
    nwp = SapSystem.objects.create(id=uuid.uuid4(), sid="NWP", ensa_version="ensa2", updated_at=now)
    ApplicationInstance.objects.create(sap_system=nwp, host_id=node, instance_number="00", sid="NWP")

    targets, env = execution_plan("cluster", cluster)

    assert env == {"cluster_type": "ascs_ers", "provider": cluster.provider, "ensa_version": "ensa2",
                   "filesystem_type": "resource_managed"}  # fmt: skip
    assert [t.agent_id for t in targets] == [node]


def test_a_person_chooses_from_the_applicable_checks_and_runs_them_from_the_clusters_page(admin_client, hana_cluster):
    page = admin_client.get(f"/admin/landscape/cluster/{hana_cluster}/change/").content.decode()
    assert "none chosen yet" in page
    assert "never run" in page

    picker = admin_client.get(f"/admin/landscape/cluster/{hana_cluster}/checks/").content.decode()
    assert 'value="156F64"' in picker  # corosync token: any HANA scale-up cluster
    assert 'value="87EE50"' not in picker  # ASCS/ERS clusters only
    assert f'value="{HOST_CHECK}"' not in picker  # hosts only

    saved = admin_client.post(
        f"/admin/landscape/cluster/{hana_cluster}/checks/", {"checks": ["156F64"], "_run": "1"}, follow=True
    )

    execution = Execution.objects.get()
    assert saved.redirect_chain[-1][0] == f"/admin/checks/execution/{execution.pk}/change/"
    assert "The checks are running on 1 agent(s)" in saved.content.decode()
    assert (execution.checks, execution.started_by) == (["156F64"], "user admin")
    settle()
    page = admin_client.get(f"/admin/landscape/cluster/{hana_cluster}/change/").content.decode()
    assert "Chosen: 156F64" in page
    assert f"/admin/checks/execution/{execution.pk}/change/" in page


def test_running_checks_with_none_chosen_says_what_to_do(admin_client, hana_cluster):
    response = admin_client.post(f"/admin/landscape/cluster/{hana_cluster}/checks/run/", follow=True)

    assert "The checks did not start: Select checks for this cluster first." in response.content.decode()
    assert not Execution.objects.exists()
    assert admin_client.get("/admin/landscape/cluster/00000000-0000-4000-8000-000000000000/checks/").status_code == 404
