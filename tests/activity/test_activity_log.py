"""The activity log: every command and event with who, severity and the request it belongs to."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.activity.models import ActivityEntry
from apps.activity.services import activity_prune
from apps.eventstore.models import CommandRecord
from apps.landscape.services import heartbeats_check
from tests.discovery.agents import DB_HOST, agent_api_key, post, settle
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_catalog")]
LOG = "/admin/activity/activityentry/"


@pytest.fixture
def activity(client, admin_client, shared_dir):
    """An agent reports a host and a cluster, a person selects checks and asks for a wrong one, the
    host's heartbeat then fails."""
    key = agent_api_key()
    post(client, key, load(shared_dir, "web/host_discovery.json"))
    post(client, key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))
    admin_client.post(
        f"/api/v1/clusters/{HANA_CLUSTER}/checks", {"checks": ["156F64"]}, content_type="application/json"
    )
    client.post(f"/api/v1/hosts/{DB_HOST}/heartbeat", HTTP_X_TRENTO_APIKEY=key)
    settle()
    heartbeats_check(now=timezone.now() + timedelta(minutes=10))
    settle()


def entries(**filters) -> set[tuple[str, str, str, str]]:
    return set(ActivityEntry.objects.filter(**filters).values_list("kind", "name", "actor", "severity"))


def test_who_did_what_with_its_severity(activity):
    agent = f"agent {DB_HOST}"
    assert ("event", "HostRegistered", agent, "info") in entries()
    assert ("command", "SelectChecks", "user admin", "info") in entries()
    assert ("event", "ChecksSelected", "user admin", "info") in entries()
    assert ("event", "HeartbeatFailed", "scheduler", "critical") in entries()


def test_a_rejected_command_is_a_warning_with_its_reason(client, admin_client, activity):
    client.post(f"/api/v1/hosts/{DB_HOST}/heartbeat", HTTP_X_TRENTO_APIKEY=agent_api_key())  # alive again
    assert admin_client.delete(f"/api/v1/hosts/{DB_HOST}").status_code == 422  # a living host stays

    rejected = ActivityEntry.objects.get(kind="command", outcome="rejected")
    assert (rejected.name, rejected.actor, rejected.severity) == ("RequestHostDeregistration", "user admin", "warning")
    assert rejected.error


def test_the_admin_filters_by_who_and_finds_a_whole_request(admin_client, activity):
    people = admin_client.get(LOG, {"who": "user"}).content.decode()
    agents = admin_client.get(LOG, {"who": "agent"}).content.decode()
    critical = admin_client.get(LOG, {"severity__exact": "critical"}).content.decode()

    assert "SelectChecks" in people
    assert "HostRegistered" not in people
    assert "HostRegistered" in agents
    assert "HeartbeatFailed" in critical
    assert "HostRegistered" not in critical
    selected = ActivityEntry.objects.get(name="ChecksSelected")
    request = admin_client.get(LOG, {"q": str(selected.correlation_id)}).content.decode()
    assert "SelectChecks" in request
    assert "HostRegistered" not in request
    assert f"/admin/eventstore/eventrecord/tree/{selected.correlation_id}/" in request


def test_entries_older_than_the_retention_leave_the_log(admin_client, activity, settings):
    settings.ACTIVITY_LOG_RETENTION_DAYS = 30
    CommandRecord.objects.filter(command_type="SelectChecks").update(recorded_at=timezone.now() - timedelta(days=31))

    assert "SelectChecks" not in admin_client.get(LOG, {"who": "user"}).content.decode()
    assert activity_prune() == 1
    assert not CommandRecord.objects.filter(command_type="SelectChecks").exists()
    assert ActivityEntry.objects.filter(name="HostRegistered").exists()  # events are never pruned
