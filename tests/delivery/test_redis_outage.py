"""With the shared cache (Redis) down, events are still accepted and delivered: the cache only saves work."""

import shutil
import subprocess
import time

import pytest
import redis

from apps.delivery.engine import deliver_due
from apps.eventstore.models import EventRecord
from tests.delivery.conftest import receive
from tests.processes import free_port
from tests.subscriptions import catch_up

pytestmark = pytest.mark.django_db


class PrivateRedis:
    """A redis-server of the test's own on a free port, so stopping it disturbs nothing else."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("the private redis-server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


@pytest.fixture
def private_redis(settings):
    server = PrivateRedis()
    if server.binary is None:
        pytest.skip("redis-server is not installed")
    server.start()
    location = f"redis://127.0.0.1:{server.port}/0"
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
