"""Serve Django's WSGI application from an asyncio server, with the whole request body read first.

A thread-per-request server (gunicorn's gthread) gives a thread to a request as soon as its headers
arrive, and the thread then waits for the body: fifty clients that declare a body and trickle it
hold every thread, and ``/healthz`` and the webhook stop answering. Here the event loop reads each
body (bounded in size and time) while holding nothing but a socket, and only a complete request
takes one of a fixed set of threads. Each thread keeps its database connection, as gthread's did;
Django's own ASGI handler would open one per request.

A request that ``on_loop`` can answer without waiting (``apps.core.machine_api.loop_route``) is
answered on the loop and takes no thread at all. Any other crosses to a thread once, and the whole
answer comes back at once (a2wsgi and uvicorn's old WSGI middleware cross for every message, which
costs a third of the throughput here); streaming responses (static files) are sent chunk by chunk
from their thread.
"""

import asyncio
import io
import json
import logging
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from apps.core.api import error_body

logger = logging.getLogger("junction.access")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WSGIApp = Callable[[dict[str, Any], Callable], Iterable[bytes]]
#: An answer given on the event loop: its status line, headers and body, as WSGI has them.
LoopAnswer = tuple[str, list[tuple[str, str]], bytes]


#: The environ key holding when a request arrived (seconds since the epoch), before it waited for a thread.
ARRIVED = "junction.arrived_at"


def arrived_at(meta: dict[str, Any]) -> datetime:
    """When the request arrived at the server: what a beat's time is, however long it then waited for
    a thread on a busy server (the time it is handled, when it came another way)."""
    arrived = meta.get(ARRIVED)
    return datetime.fromtimestamp(arrived, UTC) if arrived is not None else datetime.now(UTC)


class BodyRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


class BufferedWSGI:
    """An ASGI application running ``wsgi_app`` on ``threads`` threads once a request is complete."""

    def __init__(
        self,
        wsgi_app: WSGIApp,
        *,
        threads: int,
        max_body_bytes: int,
        body_seconds: float,
        waits: Callable[[Scope], bool] = lambda scope: False,
        waiting_threads: int = 1,
        direct: Callable[[dict[str, Any]], WSGIApp | None] = lambda environ: None,
        on_loop: Callable[[dict[str, Any]], Awaitable[LoopAnswer] | None] = lambda environ: None,
    ) -> None:
        self.wsgi_app = wsgi_app
        #: Requests answered without the whole of Django's stack (``apps.core.machine_api``).
        self.direct = direct
        #: Requests answered on the event loop itself, when they need not wait there.
        self.on_loop = on_loop
        self.max_body_bytes = max_body_bytes
        self.body_seconds = body_seconds
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="web")
        #: Requests that may wait long for something to happen run apart, told when their client leaves.
        self.waits = waits
        self.waiting_executor = ThreadPoolExecutor(waiting_threads, thread_name_prefix="web-waiting")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Junction's web server speaks HTTP, not {scope['type']}")
        started, arrived = time.perf_counter(), time.time()
        try:
            async with asyncio.timeout(self.body_seconds):  # no task of its own, unlike wait_for
                body = await self._body(scope, receive)
        except BodyRefused as refused:
            await self._refuse(scope, send, refused, started)
            return
        except TimeoutError:
            message = f"The request body did not arrive within {self.body_seconds:g} seconds."
            await self._refuse(scope, send, BodyRefused(408, "body_timeout", message), started)
            return
        if body is None:  # the client went away
            return
        loop, environ = asyncio.get_running_loop(), environ_from(scope, body)
        environ[ARRIVED] = arrived
        answering = self.on_loop(environ)
        environ["wsgi.input"] = io.BytesIO(body)  # for a thread: the look on the loop may have read it
        if answering is not None:
            status_line, headers, content = await answering
            answer = int(status_line[:3]), _asgi_headers(headers), content
        elif self.waits(scope):
            gone = environ["junction.disconnected"] = threading.Event()
            watch = asyncio.create_task(_set_when_disconnected(receive, gone))
            try:
                answer = await loop.run_in_executor(self.waiting_executor, self._run, environ, loop, send, started)
            finally:
                watch.cancel()
        else:
            answer = await loop.run_in_executor(self.executor, self._run, environ, loop, send, started)
        if answer is not None:
            status, headers, content = answer
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            self._log(scope, status, len(content), started)

    async def _body(self, scope: Scope, receive: Receive) -> bytes | None:
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), b"0")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large()
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _too_large(self) -> BodyRefused:
        return BodyRefused(413, "body_too_large", f"The body is larger than {self.max_body_bytes} bytes.")

    def _run(
        self, environ: dict[str, Any], loop: asyncio.AbstractEventLoop, send: Send, started_at: float
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """In a thread: the whole answer, or None once a streaming answer has been sent here."""
        started: list = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
            started[:] = [int(status[:3]), _asgi_headers(headers)]

        result = (self.direct(environ) or self.wsgi_app)(environ, start_response)
        try:
            if not getattr(result, "streaming", False):
                return started[0], started[1], b"".join(result)

            def forward(message: Message) -> None:
                asyncio.run_coroutine_threadsafe(send(message), loop).result()

            forward({"type": "http.response.start", "status": started[0], "headers": started[1]})
            size = 0
            for chunk in result:
                size += len(chunk)
                forward({"type": "http.response.body", "body": chunk, "more_body": True})
            forward({"type": "http.response.body", "body": b""})
            self._log(environ["asgi.scope"], started[0], size, started_at)
            return None
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished: the thread's database connection is tidied here

    async def _refuse(self, scope: Scope, send: Send, refused: BodyRefused, started: float) -> None:
        content = json.dumps(error_body(refused.code, refused.message)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
        headers.append((b"connection", b"close"))  # the rest of a refused body is not read
        await send({"type": "http.response.start", "status": refused.status, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        self._log(scope, refused.status, len(content), started)

    @staticmethod
    def _log(scope: Scope, status: int, size: int, started: float) -> None:
        # The path without the query string: producers may send their API key as ?access_key=.
        client = (scope.get("client") or ("-",))[0]
        elapsed = (time.perf_counter() - started) * 1000
        logger.info('%s "%s %s" %s %s %.1fms', client, scope["method"], scope["path"], status, size, elapsed)


def _asgi_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


async def _set_when_disconnected(receive: Receive, gone: threading.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


def environ_from(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) for an ASGI HTTP scope and its complete body.

    Header names holding an underscore are dropped, as gunicorn and nginx do: ``X_API_KEY`` would
    otherwise reach Django as the same ``HTTP_X_API_KEY`` as ``X-API-Key``.
    """
    root = scope.get("root_path", "")
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root.encode().decode("latin-1"),
        "PATH_INFO": scope["path"].removeprefix(root).encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 80),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1")
        if "_" in name or name == "content-length":
            continue
        key = "CONTENT_TYPE" if name == "content-type" else "HTTP_" + name.upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def buffered_wsgi(
    wsgi_app: WSGIApp,
    *,
    waits: Callable[[Scope], bool] = lambda scope: False,
    direct: Callable[[dict[str, Any]], WSGIApp | None] = lambda environ: None,
    on_loop: Callable[[dict[str, Any]], Awaitable[LoopAnswer] | None] = lambda environ: None,
) -> BufferedWSGI:
    return BufferedWSGI(
        wsgi_app,
        direct=direct,
        on_loop=on_loop,
        threads=settings.WEB_THREADS,
        max_body_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        body_seconds=settings.WEB_BODY_SECONDS,
        waits=waits,
        waiting_threads=settings.WEB_WAITING_THREADS,
    )
