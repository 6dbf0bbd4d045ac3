"""When the whole fleet's beats run late, the hub suspects itself before it suspects every agent."""

import logging
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from apps.landscape import services
from apps.landscape.models import Heartbeat, Host
from tests.discovery.agents import host_envelope, post, settle

pytestmark = pytest.mark.django_db

FLEET = 14  # above HOST_HEARTBEAT_FLEET_MIN_HOSTS (10)


def agent(index: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mass-loss-agent-{index}"))


@pytest.fixture
def fleet(client, agent_key, shared_dir) -> list[str]:
    hosts = [agent(index) for index in range(FLEET)]
    for index, host in enumerate(hosts):
        post(client, agent_key, host_envelope(shared_dir, host, f"vm{index:02}", f"10.80.0.{index + 1}"))
        response = client.post(f"/api/v1/hosts/{host}/heartbeat", HTTP_X_TRENTO_APIKEY=agent_key)
        assert response.status_code == 204
    settle()
    assert Host.objects.filter(heartbeat="passing").count() == FLEET
    return hosts


def silent_for(seconds: float, hosts: list[str]) -> None:
    Heartbeat.objects.filter(agent_id__in=hosts).update(timestamp=timezone.now() - timedelta(seconds=seconds))


def critical() -> set[str]:
    settle()
    return {str(host) for host in Host.objects.filter(heartbeat="critical").values_list("id", flat=True)}


def test_one_silent_host_among_many_is_marked_at_once(fleet):
    silent_for(7, fleet[:1])

    assert services.heartbeats_check() == 1
    assert critical() == {fleet[0]}


def test_when_the_hub_could_not_hear_most_hosts_none_is_marked_until_the_hold_passes(fleet, caplog):
    silent_for(20, fleet[:11])  # the hub was down for 20 s: 11 of 14 hosts went quiet at once
    silent_for(2, fleet[11:])

    with caplog.at_level(logging.WARNING, logger="apps.landscape.services"):
        assert services.heartbeats_check() == 0

    assert critical() == set()
    assert "Heartbeats of the 14 passing hosts run 15.5 s late: the hub itself is behind" in caplog.text
    # Heard again when it is back: nobody ever read critical, nothing went stale.
    silent_for(0, fleet)
    assert services.heartbeats_check() == 0
    assert critical() == set()


def test_the_hub_gives_late_beats_one_expiry_to_arrive_after_it_caught_up(fleet):
    silent_for(15, fleet[:11])
    silent_for(2, fleet[11:])
    assert services.heartbeats_check() == 0  # behind
    silent_for(0, fleet[1:])  # caught up: all are heard again but one, whose beat was still queued

    assert services.heartbeats_check() == 0
    cache.delete(services.HUB_BEHIND)  # one expiry later
    assert services.heartbeats_check() == 1
    assert critical() == {fleet[0]}


def test_a_real_outage_of_most_agents_is_still_seen_once_the_hold_has_passed(fleet):
    silent_for(2, fleet[11:])
    silent_for(20, fleet[:11])
    assert services.heartbeats_check() == 0

    later = timezone.now() + timedelta(seconds=17)  # 37 s of silence: over expiry (6 s) + hold (30 s)

    assert services.heartbeats_check(now=later) == 11
    assert critical() == set(fleet[:11])


def test_a_host_silent_long_before_the_mass_loss_is_not_held(fleet):
    silent_for(60, fleet[:1])  # gone long ago, before the others went quiet
    silent_for(8, fleet[1:11])

    assert services.heartbeats_check() == 1
    assert critical() == {fleet[0]}


def test_a_fleet_beating_a_little_late_is_not_marked(fleet):
    """A busy hub reads every beat up to 1.5 s late: each agent seems to beat every 6.5 s, not 5."""
    for index, host in enumerate(fleet):
        silent_for(6.5 * index / (FLEET - 1), [host])

    assert services.heartbeats_check() == 0
    assert critical() == set()


def test_fleet_lateness_is_how_much_older_than_on_time_the_90th_percentile_beat_is():
    on_time = [5 * n / 20 for n in range(20)]
    assert services.fleet_lateness(on_time) == 0
    assert services.fleet_lateness([age + 3 for age in on_time]) == pytest.approx(3 + 4.25 - 4.5)
    assert services.fleet_lateness([*on_time, 600]) == 0  # one host gone long ago says nothing of the hub
    assert services.fleet_lateness([600] * 20) == 30  # a whole fleet gone: at most the hold
    assert services.fleet_lateness([20] * 9) == 0  # too few hosts to judge the hub by


@override_settings(HOST_HEARTBEAT_FLEET_MIN_HOSTS=20)
def test_a_small_fleet_going_quiet_is_marked_at_once(fleet):
    silent_for(7, fleet)

    assert services.heartbeats_check() == FLEET
    assert critical() == set(fleet)


def test_the_hosts_page_says_while_the_hub_is_behind_its_agents(admin_client, fleet):
    assert "behind its agents" not in admin_client.get("/admin/landscape/host/").content.decode()
    silent_for(20, fleet)
    services.heartbeats_check()

    page = admin_client.get("/admin/landscape/host/").content.decode()

    assert "Junction is behind its agents&#x27; heartbeats right now" in page
    assert "a host reads critical only after 36 seconds without a heartbeat" in page
