"""Forwarding the log to a real Redis stream: in read order, at least once, never twice into the stream."""

from uuid import uuid4

import orjson
import pytest
import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.eventlog.forwarding import FORWARDER, RedisStreamSink, forwarder
from apps.eventstore import store, subscriptions
from apps.eventstore.store import NewEvent

pytestmark = pytest.mark.django_db


def redis_url() -> str:
    return (getattr(settings, "REDIS_URL", "") or "redis://127.0.0.1:6379/1").rsplit("/", 1)[0] + "/3"


@pytest.fixture
def sink():
    """A sink on a stream of this test's own, registered as the forwarding subscription."""
    sink = RedisStreamSink(redis_url(), f"test:events:{uuid4()}")
    try:
        sink.client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    subscriptions.subscriber(FORWARDER, batches=True)(forwarder(sink))
    yield sink
    subscriptions.unregister(FORWARDER)
    sink.client.delete(sink.key)


def entries(sink: RedisStreamSink) -> list[dict]:
    return [
        {key.decode(): value.decode() for key, value in fields.items()}
        for _, fields in sink.client.xrange(sink.key)
    ]


def append(n: int, **data):
    return store.append(f"order-{n}", [NewEvent("Order.Placed", {"n": n, **data})])[0]


def test_a_forwarder_stopped_midway_and_restarted_loses_nothing_and_repeats_nothing(sink):
    appended = [append(n) for n in range(10)]

    subscriptions.run_subscription(FORWARDER, batch_size=4, max_batches=1)  # stopped after one batch
    assert len(entries(sink)) == 4
    appended += [append(n) for n in range(10, 13)]
    subscriptions.run_subscription(FORWARDER, batch_size=4)  # restarted

    forwarded = entries(sink)
    assert [int(e["position"]) for e in forwarded] == [e.position for e in appended]
    assert [e["event_id"] for e in forwarded] == [str(e.event_id) for e in appended]
    first = orjson.loads(forwarded[0]["event"])
    assert first["data"] == {"n": 0}
    assert first["type"] == forwarded[0]["type"] == "Order.Placed"
    assert first["stream_id"] == forwarded[0]["stream_id"] == "order-0"


def test_a_batch_forwarded_before_its_cursor_was_saved_is_not_forwarded_again(sink):
    appended = [append(n) for n in range(5)]
    forwarder(sink)(store.read_after(0, 0, limit=3))  # as if the worker died before saving its cursor

    subscriptions.run_subscription(FORWARDER)

    assert [int(e["position"]) for e in entries(sink)] == [e.position for e in appended]


def test_secrets_are_hidden_on_the_way_out(sink):
    append(1, card={"number": "4111", "api_key": "k-1"})

    subscriptions.run_subscription(FORWARDER)

    (entry,) = entries(sink)
    assert orjson.loads(entry["event"])["data"]["card"] == {"number": "4111", "api_key": "[hidden]"}


def test_while_redis_is_unreachable_the_forwarder_waits_at_its_cursor(sink):
    appended = [append(n) for n in range(3)]
    reachable = sink.client
    sink.client = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))  # nothing listens there

    subscriptions.run_subscription(FORWARDER)
    assert subscriptions.failing(FORWARDER)

    sink.client = reachable
    subscriptions.run_subscription(FORWARDER)
    assert not subscriptions.failing(FORWARDER)
    assert [int(e["position"]) for e in entries(sink)] == [e.position for e in appended]
