"""A health change reaches an inbox through the real worker: subscription, digest countdown, SMTP."""

import logging
import time

import pytest

from apps.eventstore.commands import dispatch
from apps.landscape.commands import build
from apps.landscape.models import Cluster
from tests.discovery.agents import agent_api_key, collect
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER
from tests.processes import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
logger = logging.getLogger(__name__)  # the figure: pytest --log-cli-level=INFO


def test_a_cluster_going_critical_reaches_the_inbox(celery_worker, client, alerting_on, shared_dir):
    key = agent_api_key()
    assert collect(client, key, load(shared_dir, "web/host_discovery.json")).status_code == 202
    assert collect(client, key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json")).status_code == 202
    wait_for(lambda: Cluster.objects.filter(id=HANA_CLUSTER).exists(), timeout=30, what="the cluster")

    changed = time.monotonic()
    dispatch(build("CompleteChecksExecution", {"cluster_id": HANA_CLUSTER, "health": "critical"}))
    wait_for(lambda: alerting_on.messages, timeout=30, interval=0.05, what="the alert e-mail")

    logger.info("health change to e-mail received: %.2f s", time.monotonic() - changed)
    assert alerting_on.subjects() == ["[Junction] Cluster hana_cluster health is now in critical state"]
