"""With the shared cache (Redis) down, events are still accepted and delivered: the cache only saves work."""

import pytest

from apps.delivery.engine import deliver_due
from apps.eventstore.models import EventRecord
from tests.delivery.conftest import receive
from tests.processes import PrivateRedis
from tests.subscriptions import catch_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_redis(settings):
    server = PrivateRedis()
    if server.binary is None:
        pytest.skip("redis-server is not installed")
    server.start()
    location = server.url(0)
    settings.CACHES = {"default": {"BACKEND": "apps.core.cache.RedisCache", "LOCATION": location}}
    yield server
    if server.proc.poll() is None:
        server.stop()


def test_events_are_accepted_and_delivered_while_the_cache_is_down(client, wiring, subscriber, private_redis):
    key, event, _, _ = wiring
    receive(client, key, event.identifier, {"id": 0})  # the key is cached now

    private_redis.stop()
    during = [receive(client, key, event.identifier, {"id": n}) for n in range(1, 6)]
    catch_up("delivery.router")
    delivered_during = deliver_due()
    private_redis.start()
    after = receive(client, key, event.identifier, {"id": 6})

    assert len(during) == 5  # every one answered 202 (receive asserts it)
    assert EventRecord.objects.filter(event_id__in=[*during, after]).count() == 6
    assert delivered_during == 6  # the delivery engine needs no cache
    catch_up("delivery.router")
    assert deliver_due() == 1
    assert sorted(r.json()["customer"] for r in subscriber.received) == list(range(7))
