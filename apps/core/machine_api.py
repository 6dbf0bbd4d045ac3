"""The base of the endpoints that other systems call many times a second (webhooks, agents), and the
web server's direct route to them.

Django's request handling around a view (its response cycle, and the middleware that serves people:
sessions, CSRF, sign-in, messages) and DRF's around a handler (its Request, negotiation, checks) cost
a webhook more than half of its time, for an endpoint that uses none of it. The methods a machine
endpoint names in ``direct_methods`` are answered by the web server (``apps.core.asgi``) through
``direct_route``: the same handler, given the plain Django request, inside only ``MACHINE_MIDDLEWARE``
(the guard and what sets headers), with Django's request signals, its error pages and the API's
error body. The answer is the one the whole stack gives, header for header; the test client and
every other endpoint take the whole stack.
"""

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import orjson
from django.conf import settings
from django.core import signals
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, set_script_prefix
from django.utils.module_loading import import_string
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

#: What a machine endpoint's handler gets: DRF's request, or on the direct route Django's own.
MachineRequest = Request | HttpRequest


class JsonOnly(BaseContentNegotiation):
    """The first parser and renderer, whatever the request's Accept header says (no negotiating)."""

    def select_parser(self, request: Any, parsers: list[BaseParser]) -> BaseParser | None:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Any, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class MachineJSONRenderer(JSONRenderer):
    """DRF's JSON, written by orjson (a batch's answer lists 500 events), or by DRF's encoder for what
    orjson does not know (lazy texts, decimals)."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        try:
            text = orjson.dumps(data, option=orjson.OPT_UTC_Z)
        except TypeError:
            return super().render(data, accepted_media_type, renderer_context)
        return text.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")  # as DRF's


class MachineApi(APIView):
    """Authenticated by the caller's own credentials in the view, and answering JSON to any Accept:
    negotiating a format cost a webhook 5 % of its time, for an answer that is JSON anyway."""

    authentication_classes = []
    permission_classes = []
    renderer_classes = [MachineJSONRenderer]
    content_negotiation_class = JsonOnly
    #: The methods the web server answers on its direct route. Their handlers then get a plain Django
    #: request: they read only its headers, GET, body, content_type and META.
    direct_methods: frozenset[str] = frozenset()

    @classmethod
    def answer_directly(cls, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """What ``dispatch`` answers, without DRF's Request, negotiation and checks (this endpoint has none)."""
        view = cls()
        view.request, view.args, view.kwargs, view.headers = request, (), kwargs, {}
        try:
            response = getattr(view, request.method.lower())(request, **kwargs)
        except Exception as exc:
            response = view.get_exception_handler()(exc, view.get_exception_handler_context())
            if response is None:
                raise
        response.accepted_renderer, response.accepted_media_type = MachineJSONRenderer(), JSONRenderer.media_type
        response.renderer_context = view.get_renderer_context()
        response["Allow"] = ", ".join(view.allowed_methods)
        return response.render()


WSGIApp = Callable[[dict[str, Any], Callable], Iterable[bytes]]


def direct_route(environ: dict[str, Any]) -> WSGIApp | None:
    """The direct answer to this request, if it is for one of a machine endpoint's ``direct_methods``."""
    route = _route(environ["PATH_INFO"], environ["REQUEST_METHOD"])
    if route is None:
        return None
    view_class, kwargs = route

    def answer(environ: dict[str, Any], start_response: Callable) -> HttpResponse:
        # As Django's WSGIHandler does, with the middleware of machine endpoints only.
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=DirectRoute, environ=environ)
        request = WSGIRequest(environ)
        request.direct_route = (view_class, dict(kwargs))
        response = _middleware()(request)
        response._resource_closers.append(request.close)
        response._handler_class = DirectRoute  # closing the response sends request_finished
        headers = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response

    return answer


class DirectRoute:
    """The sender of the request signals of directly answered requests."""


@lru_cache(maxsize=8192)  # a heartbeat's path names its host: one entry per agent
def _route(path: str, method: str) -> tuple[type[MachineApi], dict[str, Any]] | None:
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return None
    view_class = getattr(match.func, "view_class", None)
    if method not in getattr(view_class, "direct_methods", ()):
        return None
    return view_class, match.kwargs


@lru_cache(maxsize=1)
def _middleware() -> Callable[[HttpRequest], HttpResponse]:
    """The view inside ``MACHINE_MIDDLEWARE``, built as Django's handler builds its own: each layer
    turns exceptions into error pages, and the view's exceptions go to their ``process_exception``
    first (the guard's JSON 503 when the database is away)."""
    exception_hooks: list[Callable[[HttpRequest, Exception], HttpResponse | None]] = []

    def view(request: HttpRequest) -> HttpResponse:
        view_class, kwargs = request.direct_route
        try:
            return view_class.answer_directly(request, **kwargs)
        except Exception as exc:
            for hook in exception_hooks:
                if (response := hook(request, exc)) is not None:
                    return response
            raise

    handler = convert_exception_to_response(view)
    for path in reversed(settings.MACHINE_MIDDLEWARE):
        layer = import_string(path)(handler)
        if hasattr(layer, "process_exception"):
            exception_hooks.insert(0, layer.process_exception)
        handler = convert_exception_to_response(layer)
    return handler
