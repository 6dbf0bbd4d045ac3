"""Heartbeat expiry with the real scheduler: Celery beat sends the check, a real worker runs it."""

import pytest

from apps.eventstore import store
from apps.landscape.models import Cluster, Host
from tests.discovery.agents import DB_HOST, agent_api_key, collect
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER
from tests.processes import start_beat, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def heartbeats_failed() -> int:
    return sum(e.type == "HeartbeatFailed" for e in store.read_stream(f"host-{DB_HOST}"))


def test_a_host_whose_heartbeat_stops_fails_once_and_its_cluster_goes_stale(
    client, celery_worker, shared_dir, tmp_path
):
    key = agent_api_key()
    assert collect(client, key, load(shared_dir, "web/host_discovery.json")).status_code == 202
    wait_for(lambda: Host.objects.filter(id=DB_HOST).exists(), timeout=30, what="the host to be projected")
    assert collect(client, key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json")).status_code == 202
    wait_for(lambda: Host.objects.filter(id=DB_HOST, cluster_id=HANA_CLUSTER).exists(), timeout=30, what="the cluster")
    assert client.post(f"/api/v1/hosts/{DB_HOST}/heartbeat", HTTP_X_TRENTO_APIKEY=key).status_code == 204
    wait_for(lambda: Host.objects.filter(id=DB_HOST, heartbeat="passing").exists(), timeout=30, what="passing")

    # The agent stops; beat checks every second, the worker's expiry is the default 6 s.
    beat = start_beat(
        log_path=tmp_path / "beat.log",
        schedule_path=tmp_path / "beat-schedule",
        extra_env={"HEARTBEAT_CHECK_SECONDS": "1"},
    )
    try:
        wait_for(heartbeats_failed, timeout=40, what="HeartbeatFailed")
        wait_for(
            lambda: Cluster.objects.filter(id=HANA_CLUSTER, stale_at__isnull=False).exists(),
            timeout=30,
            what="the cluster to be marked stale",
        )
        wait_for(lambda: Host.objects.filter(id=DB_HOST, heartbeat="critical").exists(), timeout=30, what="critical")
        beat_log = beat.output()
    finally:
        beat.stop()
    assert "check_heartbeats_task" in beat_log
    assert heartbeats_failed() == 1
    cluster_events = [e.type for e in store.read_stream(f"cluster-{HANA_CLUSTER}")]
    assert cluster_events.count("ClusterDataMarkedStale") == 1
