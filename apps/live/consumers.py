from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.live.feed import TOPICS, feed

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

    async def disconnect(self, code: int) -> None:
        if self.topic:
            await self.channel_layer.group_discard(self.topic, self.channel_name)

    async def live_change(self, message: dict) -> None:
        await self.send_json(message["change"])
