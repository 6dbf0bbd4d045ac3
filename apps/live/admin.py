"""Admin pages that update themselves: a list or a page of a live topic reloads its content (not the
page) shortly after something in the topic changes (a page: only when it is about its own object).

A page carries the event store's cursor at the moment it was drawn, so a change made between then
and its websocket joining the topic is sent as soon as it joins (see ``LiveConsumer``)."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from apps.eventstore import store


class LiveAdminMixin:
    live_topic = ""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return super().changelist_view(request, {**self._live(), **(extra_context or {})})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        context = {**self._live(), "live_id": object_id, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def _live(self) -> dict[str, Any]:
        tx, position = store.head()
        return {"live_topic": self.live_topic, "live_since": f"{tx}.{position}"}
