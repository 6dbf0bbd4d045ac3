from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.eventstore import store
from apps.live.feed import BATCH, TOPICS, change_of, feed

#: Closing codes the browser sees: not signed in as staff, or a topic that does not exist.
FORBIDDEN, UNKNOWN_TOPIC = 4403, 4404


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/live/<topic>/``: staff hear ``{topic, id, event, position}`` for every change in the topic."""

    topic = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        topic = self.scope["url_route"]["kwargs"]["topic"]
        if not (user and user.is_active and user.is_staff):
            await self.close(code=FORBIDDEN)
            return
        if topic not in TOPICS.values():
            await self.close(code=UNKNOWN_TOPIC)
            return
        self.topic = topic
        await self.channel_layer.group_add(topic, self.channel_name)
        await self.accept()
        feed.ensure_running(self.channel_layer)
        await self._send_missed()

    async def _send_missed(self) -> None:
        """What changed in the topic after the page was drawn (``?since=<tx>.<position>``) and before this
        socket joined the topic; ``id`` "*" when there was too much to look through (refresh anyway)."""
        since = parse_qs(self.scope.get("query_string", b"").decode()).get("since", [""])[0]
        try:
            tx, position = (int(part) for part in since.split("."))
        except ValueError:
            return
        events = await sync_to_async(store.read_after)(tx, position, limit=BATCH)
        changes = {c["id"]: c for c in map(change_of, events) if c is not None and c["topic"] == self.topic}
        if len(events) == BATCH:
            changes = {"*": {"topic": self.topic, "id": "*", "event": "", "position": events[-1].position}}
        for change in changes.values():
            await self.send_json(change)

    async def disconnect(self, code: int) -> None:
        if self.topic:
            await self.channel_layer.group_discard(self.topic, self.channel_name)

    async def live_change(self, message: dict) -> None:
        await self.send_json(message["change"])
