"""A web process's local copy of API keys, event types and blocked senders (``apps.core.mirror``) is
never behind what another process changed, and is not trusted once its subscription breaks."""

import json
import time

import pytest
import redis
import requests
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from apps.discovery.models import DiscoveryEvent
from apps.hub.models import ApiKey, EventType
from apps.hub.services import api_key_cache_keys, api_key_revoke, event_types_forget
from tests.discovery.agents import agent_api_key, as_agent, collect, process
from tests.discovery.support import load
from tests.hub import factories
from tests.processes import start_web

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), reason="the local copy follows Redis"
    ),
]

#: Failure windows of a second, so that the web process's copy answers the throttle after its first one.
WINDOW = {"AUTH_FAILURE_WINDOW_SECONDS": "1", "AUTH_FAILURES_ALLOWED": "3"}


@pytest.fixture
def web(tmp_path):
    server, base = start_web(log_path=tmp_path / "web.log", extra_env=WINDOW)
    yield base
    server.stop()


@pytest.fixture
def crm():
    producer, key = factories.producer_with_key("CRM")
    return key, factories.event_type(producer, "customer created")


def send(base, event, key):
    response = requests.post(f"{base}/api/v1/events/{event.identifier}", json={"id": 1},
                             headers={"X-API-Key": key}, timeout=10)  # fmt: skip
    return response.status_code


def redis_reads() -> int:
    stats = redis.Redis.from_url(settings.REDIS_URL).info("commandstats")
    return sum(stats.get(f"cmdstat_{command}", {}).get("calls", 0) for command in ("get", "mget", "exists"))


def test_once_the_copy_holds_what_a_webhook_needs_it_reads_nothing_from_redis(web, crm):
    key, event = crm
    assert send(web, event, key) == 202
    time.sleep(1.1)  # a failure window that began after the subscription: the copy answers the throttle too
    assert send(web, event, key) == 202

    before = redis_reads()
    assert [send(web, event, key) for _ in range(5)] == [202] * 5

    assert redis_reads() == before


def test_a_key_revoked_and_an_event_switched_off_elsewhere_are_refused_at_the_next_request(web, crm):
    key, event = crm
    assert send(web, event, key) == 202  # the web process now holds the key and the event type

    api_key_revoke(api_key=ApiKey.objects.get(prefix=key[:12]))  # in this process, not the web's
    assert send(web, event, key) == 401

    _, other_key = factories.producer_with_key("Shop")
    shop_event = factories.event_type(ApiKey.objects.get(prefix=other_key[:12]).system, "order placed")
    assert send(web, shop_event, other_key) == 202
    EventType.objects.filter(pk=shop_event.pk).update(is_active=False)
    event_types_forget()
    assert send(web, shop_event, other_key) == 404


def test_a_sender_blocked_by_another_process_is_refused_at_once(web, crm, settings):
    key, event = crm
    settings.AUTH_FAILURE_WINDOW_SECONDS, settings.AUTH_FAILURES_ALLOWED = 1, 3
    assert send(web, event, key) == 202
    client = Client(REMOTE_ADDR="127.0.0.1")  # the address the web server sees this test's requests from

    statuses = [
        client.post(f"/api/v1/events/{event.identifier}", {}, content_type="application/json",
                    HTTP_X_API_KEY=f"jct_{n:08x}_wrong").status_code
        for n in range(3)
    ]  # fmt: skip

    assert statuses == [401, 401, 401]
    assert send(web, event, key) == 429  # this address waits, even with a good key


#: A window that began before the web process subscribed: the copy knows only the counters it has read.
HOUR = {"AUTH_FAILURE_WINDOW_SECONDS": "3600", "AUTH_FAILURES_ALLOWED": "3"}


def block_this_address(event, settings):
    """Three failed authentications from the address the web server sees this test's requests from,
    counted by this process (as another web process would)."""
    settings.AUTH_FAILURE_WINDOW_SECONDS, settings.AUTH_FAILURES_ALLOWED = 3600, 3
    client = Client(REMOTE_ADDR="127.0.0.1")
    for n in range(3):
        response = client.post(f"/api/v1/events/{event.identifier}", {}, content_type="application/json",
                               HTTP_X_API_KEY=f"jct_{n:08x}_wrong")  # fmt: skip
        assert response.status_code == 401


def test_in_a_window_that_began_before_it_subscribed_the_copy_reads_the_counters_once(tmp_path, crm, settings):
    key, event = crm
    server, base = start_web(log_path=tmp_path / "web.log", extra_env=HOUR)
    try:
        assert send(base, event, key) == 202  # reads the counters of this address and key, once
        before = redis_reads()
        assert [send(base, event, key) for _ in range(5)] == [202] * 5
        assert redis_reads() == before

        block_this_address(event, settings)  # after the copy read the counters: published to it
        assert send(base, event, key) == 429
    finally:
        server.stop()


def test_a_sender_blocked_before_the_web_process_started_is_refused(tmp_path, crm, settings):
    key, event = crm
    block_this_address(event, settings)  # published before the web process subscribed: it read the counter

    server, base = start_web(log_path=tmp_path / "web.log", extra_env=HOUR)
    try:
        assert send(base, event, key) == 429
        assert send(base, event, key) == 429
    finally:
        server.stop()


def test_a_copy_whose_subscription_broke_is_not_trusted(web, crm):
    key, event = crm
    assert send(web, event, key) == 202
    redis.Redis.from_url(settings.REDIS_URL).client_kill_filter(_type="pubsub")

    # A revocation that nobody publishes: only the database and the shared cache know of it.
    ApiKey.objects.filter(prefix=key[:12]).update(revoked_at=timezone.now())
    cache.delete_many(api_key_cache_keys(key))

    assert send(web, event, key) == 401


def send_discovery(base, key, envelope):
    headers = {"X-Trento-Apikey": key, "Content-Type": "application/json"}
    return requests.post(f"{base}/api/v1/collect", data=json.dumps(envelope), headers=headers, timeout=10).status_code


def test_an_agents_repeats_read_nothing_from_redis_and_a_change_elsewhere_is_seen_at_once(web, shared_dir):
    key = agent_api_key()
    host = load(shared_dir, "web/host_discovery.json")
    assert send_discovery(web, key, host) == 202
    process()  # as the worker would: it is now the agent's last discovery
    assert send_discovery(web, key, host) == 202  # found identical: the web process holds that verdict now
    time.sleep(1.1)

    before = redis_reads()
    assert [send_discovery(web, key, host) for _ in range(3)] == [202] * 3
    assert redis_reads() == before
    assert DiscoveryEvent.objects.count() == 1

    # Another process (the test's, as the worker) takes a changed discovery as the agent's last one.
    changed = as_agent(host, host["agent_id"], hostname="renamed")
    assert collect(Client(), key, changed).status_code == 202
    process()
    assert send_discovery(web, key, host) == 202  # no longer the last one: stored to be applied again
    assert DiscoveryEvent.objects.count() == 3
