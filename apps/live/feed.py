"""Live updates: each web process follows the event store itself and tells its own websocket clients
what changed.

Every web process reads the store, so no process needs to hear from another: this works on the
embedded default (web and worker are separate processes, there is no Redis) exactly as with many web
processes on the distributed stack, and Channels' in-memory layer is all a process needs.
The feed starts with the first websocket client of a process, reads from the store's head in read
order (never past an event whose transaction may still commit), and sends one message per changed
thing per batch to the topic's group.
"""

import asyncio
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from apps.eventstore import store
from apps.eventstore.store import RecordedEvent

logger = logging.getLogger(__name__)

#: Stream kind (the stream id's prefix) → the topic its changes go to (Trento's channel names).
TOPICS = {
    "host": "hosts",
    "cluster": "clusters",
    "database": "databases",
    "sap_system": "sap_systems",
    "checks-execution": "executions",
    "execution": "deliveries",
}
BATCH = 500


def change_of(event: RecordedEvent) -> dict[str, Any] | None:
    """What a browser hears of an event: its topic, the id of the thing that changed, the event type."""
    for kind, topic in TOPICS.items():
        if event.stream_id.startswith(f"{kind}-"):
            thing = event.stream_id.removeprefix(f"{kind}-")
            return {"topic": topic, "id": thing, "event": event.type, "position": event.position}
    return None


class LiveFeed:
    """The process's follower of the event store (one per web process, started on demand)."""

    def __init__(self) -> None:
        self.task: asyncio.Task | None = None

    def ensure_running(self, layer: Any) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.follow(layer))

    async def follow(self, layer: Any) -> None:
        cursor = await sync_to_async(store.head)()
        while True:
            try:
                events = await sync_to_async(store.read_after)(*cursor, limit=BATCH)
            except DatabaseError as error:  # the database restarting: try again shortly
                logger.warning("live feed cannot read the event store: %s", error)
                await sync_to_async(close_old_connections)()
                await asyncio.sleep(1)
                continue
            if not events:
                await asyncio.sleep(settings.LIVE_POLL_SECONDS)
                continue
            cursor = (events[-1].tx, events[-1].position)
            # One message per changed thing per batch: a burst about one host is one refresh.
            changes = {(c["topic"], c["id"]): c for c in map(change_of, events) if c is not None}
            for change in changes.values():
                await layer.group_send(change["topic"], {"type": "live.change", "change": change})


feed = LiveFeed()
