"""The base of the endpoints that other systems call many times a second (webhooks, agents)."""

from typing import Any

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView


class JsonOnly(BaseContentNegotiation):
    """The first parser and renderer, whatever the request's Accept header says (no negotiating)."""

    def select_parser(self, request: Any, parsers: list[BaseParser]) -> BaseParser | None:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Any, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class MachineApi(APIView):
    """Authenticated by the caller's own credentials in the view, and answering JSON to any Accept:
    negotiating a format cost a webhook 5 % of its time, for an answer that is JSON anyway."""

    authentication_classes = []
    permission_classes = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly
