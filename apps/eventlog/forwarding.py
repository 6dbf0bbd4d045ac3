"""Forwarding the event log to a log platform that outside tools already read (Redis Streams today).

The forwarder is a subscription of the event store: a durable cursor, batches in read order, retried
from the cursor after a failure (the admin's subscriptions page shows its lag and last error). Each
batch goes to a sink, which knows the last event it holds: a batch that reached the sink but whose
cursor was not saved (a worker killed in between) is not forwarded twice. Events are forwarded as the
feed shows them, secrets hidden.

A sink for another platform (Kafka: the last offset's headers, and a producer) implements ``LogSink``
and is registered the same way.
"""

from collections.abc import Callable, Sequence
from typing import Protocol

import orjson
from django.conf import settings

from apps.eventlog.services import outside_view
from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import subscriber

FORWARDER = "eventlog-forwarder"


class LogSink(Protocol):
    def last_forwarded(self) -> tuple[int, int] | None:
        """The read cursor ``(tx, position)`` of the last event the sink holds; None when it holds none."""

    def forward(self, events: Sequence[RecordedEvent]) -> None:
        """Append the events, in this order, all or none."""


class RedisStreamSink:
    """Appends each event to a Redis stream (``XADD``): fields ``position``, ``tx``, ``event_id``, ``type``,
    ``stream_id`` and ``event`` (the event as JSON, as in the feed). A batch is one MULTI/EXEC."""

    def __init__(self, url: str, key: str, *, maxlen: int = 0) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self.key = key
        self.maxlen = maxlen or None

    def last_forwarded(self) -> tuple[int, int] | None:
        entries = self.client.xrevrange(self.key, count=1)
        if not entries:
            return None
        fields = entries[0][1]
        return int(fields[b"tx"]), int(fields[b"position"])

    def forward(self, events: Sequence[RecordedEvent]) -> None:
        pipe = self.client.pipeline(transaction=True)
        for event in events:
            fields = {
                "position": event.position,
                "tx": event.tx,
                "event_id": str(event.event_id),
                "type": event.type,
                "stream_id": event.stream_id,
                "event": orjson.dumps(outside_view(event), option=orjson.OPT_UTC_Z),
            }
            pipe.xadd(self.key, fields, maxlen=self.maxlen, approximate=True)
        pipe.execute()


def forwarder(sink: LogSink) -> Callable[[list[RecordedEvent]], None]:
    """The subscription handler that hands each batch to ``sink``, past what it already holds."""

    def forward(events: list[RecordedEvent]) -> None:
        held = sink.last_forwarded()
        fresh = [event for event in events if held is None or (event.tx, event.position) > held]
        if fresh:
            sink.forward(fresh)

    return forward


def register_from_settings() -> None:
    if settings.EVENTLOG_REDIS_STREAM_URL:
        sink = RedisStreamSink(
            settings.EVENTLOG_REDIS_STREAM_URL,
            settings.EVENTLOG_REDIS_STREAM_KEY,
            maxlen=settings.EVENTLOG_REDIS_STREAM_MAXLEN,
        )
        subscriber(FORWARDER, batches=True)(forwarder(sink))
