"""Admin pages that update themselves: a list or a page of a live topic reloads its content (not the
page) shortly after something in the topic changes (a page: only when it is about its own object)."""

from django.http import HttpRequest, HttpResponse


class LiveAdminMixin:
    live_topic = ""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return super().changelist_view(request, {"live_topic": self.live_topic, **(extra_context or {})})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        context = {"live_topic": self.live_topic, "live_id": object_id, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)
