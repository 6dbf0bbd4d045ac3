"""A beat counts from when it arrived at the server, not from when a busy server got to it."""

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.asgi import ARRIVED, BufferedWSGI
from apps.landscape import services
from apps.landscape.models import Heartbeat, Host
from tests.discovery.agents import DB_HOST, host_envelope, post, settle

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(client, agent_key, shared_dir):
    post(client, agent_key, host_envelope(shared_dir, DB_HOST, "vmhana01", "10.74.1.10"))
    return DB_HOST


def beat(client, key: str, *, arrived) -> None:
    response = client.post(
        f"/api/v1/hosts/{DB_HOST}/heartbeat", HTTP_X_TRENTO_APIKEY=key, **{ARRIVED: arrived.timestamp()}
    )
    assert response.status_code == 204


def test_a_beat_that_waited_for_the_server_is_not_late(client, agent_key, host):
    arrived = timezone.now() - timedelta(seconds=4)  # queued four seconds behind other requests

    beat(client, agent_key, arrived=arrived)

    assert Heartbeat.objects.get(agent_id=host).timestamp == arrived
    settle()
    assert services.heartbeats_check() == 0  # 4 s old: within the 6 s expiry
    assert Host.objects.get(id=host).heartbeat == "passing"


def test_a_beat_handled_after_a_later_one_does_not_move_time_back(client, agent_key, host):
    later = timezone.now() - timedelta(seconds=1)
    beat(client, agent_key, arrived=later)

    beat(client, agent_key, arrived=later - timedelta(seconds=3))

    assert Heartbeat.objects.get(agent_id=host).timestamp == later


def test_the_web_server_stamps_a_request_when_it_arrives_not_when_a_thread_takes_it():
    stamps, release = {}, threading.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            release.wait(5)
        stamps[environ["PATH_INFO"]] = (environ[ARRIVED], time.time())
        start_response("204 No Content", [])
        return [b""]

    server = BufferedWSGI(app, threads=1, max_body_bytes=1000, body_seconds=5)

    async def request(path: str) -> None:
        scope = {"type": "http", "method": "POST", "path": path, "query_string": b"", "headers": [],
                 "http_version": "1.1"}  # fmt: skip
        messages = iter([{"type": "http.request", "body": b"", "more_body": False}])

        async def receive():
            return next(messages)

        async def send(message):
            pass

        await server(scope, receive, send)

    async def both() -> None:
        slow = asyncio.create_task(request("/slow"))
        await asyncio.sleep(0.05)
        beat = asyncio.create_task(request("/beat"))  # waits for the one thread
        await asyncio.sleep(0.5)
        release.set()
        await asyncio.gather(slow, beat)

    asyncio.run(both())

    arrived, handled = stamps["/beat"]
    assert handled - arrived >= 0.4
