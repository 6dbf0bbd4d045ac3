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

For the methods in ``loop_methods``, an endpoint's ``on_loop`` may answer a request on the web
server's event loop itself (``loop_route``), when it needs nothing it would wait for there: what the
process's local copy holds, and at most a write awaited from a group commit. Then the request is not
handed to a thread and back, and the same middleware runs around it, on the loop (none of it waits).
"""

import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

import orjson
from asgiref.sync import markcoroutinefunction
from django.conf import settings
from django.core import signals
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, set_script_prefix
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.asgi import LoopAnswer, WSGIApp

logger = logging.getLogger(__name__)

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
    #: Those of them that ``on_loop`` may answer on the web server's event loop.
    loop_methods: frozenset[str] = frozenset()

    @classmethod
    def on_loop(cls, request: HttpRequest, **kwargs: Any) -> Callable[[], Awaitable[Response]] | None:
        """How to answer ``request`` on the web server's event loop, if it can be answered without
        waiting there: from what this process holds (``apps.core.mirror``), awaiting at most a write
        made with other requests' (``apps.core.group_commit``). None: it takes a thread, as usual."""
        return None

    @classmethod
    def answer_directly(cls, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """What ``dispatch`` answers, without DRF's Request, negotiation and checks (this endpoint has none)."""
        view = cls._direct(request, kwargs)
        try:
            response = getattr(view, request.method.lower())(request, **kwargs)
        except Exception as exc:
            response = view._handled(exc)
        return view._rendered(response)

    @classmethod
    async def answer_on_loop(cls, request: HttpRequest, answer: Callable[[], Awaitable[Response]]) -> HttpResponse:
        """What ``answer_directly`` would answer, from ``answer`` (``on_loop``'s)."""
        view = cls._direct(request, request.direct_route[1])
        try:
            response = await answer()
        except Exception as exc:
            response = view._handled(exc)
        return view._rendered(response)

    @classmethod
    def _direct(cls, request: HttpRequest, kwargs: dict[str, Any]) -> "MachineApi":
        view = cls()
        view.request, view.args, view.kwargs, view.headers = request, (), kwargs, {}
        return view

    def _handled(self, exc: Exception) -> Response:
        response = self.get_exception_handler()(exc, self.get_exception_handler_context())
        if response is None:
            raise exc
        return response

    def _rendered(self, response: Response) -> HttpResponse:
        response.accepted_renderer, response.accepted_media_type = MachineJSONRenderer(), JSONRenderer.media_type
        response.renderer_context = self.get_renderer_context()
        response["Allow"] = ", ".join(self.allowed_methods)
        return response.render()


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
        response = _middleware(asynchronous=False)(request)
        response._resource_closers.append(request.close)
        response._handler_class = DirectRoute  # closing the response sends request_finished
        start_response(*_status_and_headers(response))
        return response

    return answer


def loop_route(environ: dict[str, Any]) -> Awaitable[LoopAnswer] | None:
    """The direct answer to this request given on the event loop, if its endpoint's ``on_loop`` can give
    it there (called on the loop: it reads the request's body, which is then to be given again).

    Django's request signals are not sent: their receivers tidy up the database and cache connections
    of the thread that answered, and an answer on the loop opens none."""
    route = _route(environ["PATH_INFO"], environ["REQUEST_METHOD"])
    if route is None or environ["REQUEST_METHOD"] not in route[0].loop_methods:
        return None
    view_class, kwargs = route
    request = WSGIRequest({**environ})  # it rewrites PATH_INFO as text, which a thread's own would read again
    try:
        on_loop = view_class.on_loop(request, **kwargs)
    except Exception:  # a thread answers it, through the whole error handling
        logger.exception("Could not tell whether %s can be answered on the loop", environ["PATH_INFO"])
        return None
    if on_loop is None:
        return None
    request.direct_route, request.on_loop = (view_class, dict(kwargs)), on_loop
    return _answer_on_loop(request)


async def _answer_on_loop(request: WSGIRequest) -> LoopAnswer:
    set_script_prefix(get_script_name(request.environ))
    try:
        response = await _middleware(asynchronous=True)(request)
        return *_status_and_headers(response), response.content
    finally:
        request.close()


def _status_and_headers(response: HttpResponse) -> tuple[str, list[tuple[str, str]]]:
    headers = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
    return f"{response.status_code} {response.reason_phrase}", headers


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


@lru_cache(maxsize=2)
def _middleware(*, asynchronous: bool) -> Callable[[HttpRequest], Any]:
    """The view inside ``MACHINE_MIDDLEWARE``, built as Django's handler builds its own: each layer
    turns exceptions into error pages, and the view's exceptions go to their ``process_exception``
    first (the guard's JSON 503 when the database is away). The asynchronous chain, for answers given
    on the loop, runs the same middleware around ``answer_on_loop``, there: none of it waits."""
    exception_hooks: list[Callable[[HttpRequest, Exception], HttpResponse | None]] = []

    def after(request: HttpRequest, exc: Exception) -> HttpResponse:
        for hook in exception_hooks:
            if (response := hook(request, exc)) is not None:
                return response
        raise exc

    def view(request: HttpRequest) -> HttpResponse:
        view_class, kwargs = request.direct_route
        try:
            return view_class.answer_directly(request, **kwargs)
        except Exception as exc:
            return after(request, exc)

    async def view_on_loop(request: HttpRequest) -> HttpResponse:
        try:
            return await request.direct_route[0].answer_on_loop(request, request.on_loop)
        except Exception as exc:
            return after(request, exc)

    handler = convert_exception_to_response(view_on_loop if asynchronous else view)
    for path in reversed(settings.MACHINE_MIDDLEWARE):
        layer = import_string(path)(handler)
        if hasattr(layer, "process_exception"):
            exception_hooks.insert(0, layer.process_exception)
        handler = convert_exception_to_response(_on_loop(layer) if asynchronous else layer)
    return handler


def _on_loop(layer: Any) -> Callable[[HttpRequest], Awaitable[HttpResponse]]:
    """A middleware layer running on the loop. Django runs a ``MiddlewareMixin``'s hooks in a thread
    when it is called asynchronously (two hand-overs a layer); these only set headers and check the
    request, so they run where the request is."""
    if not isinstance(layer, MiddlewareMixin):
        return layer  # it runs asynchronously itself (the guard)

    @markcoroutinefunction
    async def run(request: HttpRequest) -> HttpResponse:
        response = layer.process_request(request) if hasattr(layer, "process_request") else None
        response = response or await layer.get_response(request)
        return layer.process_response(request, response) if hasattr(layer, "process_response") else response

    return run
