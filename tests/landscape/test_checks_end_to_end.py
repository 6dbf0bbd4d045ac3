"""Checks fold into health end to end: a person selects checks and asks for a run, the reference agent
gathers the facts, the real worker evaluates them and the landscape's reactions change the health."""

import os
import sys

import pytest

from apps.eventstore import store
from apps.landscape.models import Cluster
from tests.discovery.agents import DB_HOST, post, settle
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER
from tests.processes import ManagedProcess, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shared_catalog")]


def test_the_reference_agent_answers_and_the_clusters_health_changes(
    celery_worker, live_server, client, admin_client, agent_key, shared_dir, tmp_path
):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    post(client, agent_key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))
    assert Cluster.objects.get(id=HANA_CLUSTER).health == "passing"
    # Same python3 on every node (passes on one agent), and corosync's token, whose gatherer the
    # reference agent does not have: a fact gathering error, so critical.
    selected = admin_client.post(
        f"/api/v1/clusters/{HANA_CLUSTER}/checks", {"checks": ["BC9DF9", "156F64"]}, content_type="application/json"
    )
    assert selected.status_code == 202, selected.content
    settle()
    requested = admin_client.post(f"/api/v1/clusters/{HANA_CLUSTER}/checks/request_execution")
    assert requested.status_code == 202, requested.content
    execution_id = requested.json()["execution_id"]

    argv = [sys.executable, "manage.py", "junction_agent", "--url", live_server.url, "--agent-id", DB_HOST]
    agent = ManagedProcess([*argv, "--api-key", agent_key, "--wait", "1", "--exit-after", "1"],
                           log_path=tmp_path / "agent.log", env=dict(os.environ))  # fmt: skip
    try:
        assert agent.proc.wait(timeout=60) == 0, agent.output()
        cluster = wait_for(
            lambda: Cluster.objects.filter(id=HANA_CLUSTER, health="critical").first(),
            timeout=60,
            what="the cluster's health to become critical",
        )
    finally:
        agent.stop()

    assert cluster.checks_health == "critical"
    changed = [e for e in store.read_stream(f"cluster-{HANA_CLUSTER}") if e.type == "ClusterChecksHealthChanged"]
    assert [str(e.correlation_id) for e in changed] == [execution_id]
