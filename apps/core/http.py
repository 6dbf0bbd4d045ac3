"""The one way Junction calls other systems over HTTP.

It refuses private, loopback and link-local addresses unless ``OUTBOUND_ALLOWED_NETWORKS`` allows
them (SSRF protection, checked again on the addresses it connects to), follows no redirects, bounds
what it reads of a response, and returns a result instead of raising on HTTP errors, so callers
decide what a failure means.

Two clients keep these rules: ``send`` (blocking, one request: the admin's test request, OAuth
token requests) and ``AsyncClient`` (aiohttp on an event loop, hundreds of requests in flight: the
delivery engine).
"""

import asyncio
import ipaddress
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import requests
import urllib3
from django.conf import settings
from django.utils import timezone
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError

USER_AGENT = "Junction/1 (+https://github.com/junction-hub)"


class BlockedAddress(Exception):
    """The URL points at an address actions may not reach."""


@dataclass(frozen=True)
class HttpResult:
    started_at: datetime
    duration_ms: float
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_truncated: bool = False
    error: str = ""
    #: Seconds the server asked us to wait before retrying (a Retry-After header).
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _allowed_networks() -> list:
    return [ipaddress.ip_network(net, strict=False) for net in settings.OUTBOUND_ALLOWED_NETWORKS]


def _check_addresses(hostname: str, addresses: list[str]) -> list[str]:
    """``addresses`` (what ``hostname`` resolves to) if every one may be called, else ``BlockedAddress``."""
    allowed = _allowed_networks()
    for address in map(ipaddress.ip_address, addresses):
        if not (address.is_global or any(address in network for network in allowed)):
            raise BlockedAddress(
                f"{hostname} resolves to {address}, a private or local address. "
                "Add it to OUTBOUND_ALLOWED_NETWORKS to allow it."
            )
    return addresses


def _resolve_allowed(hostname: str, port: int) -> list[str]:
    """The addresses ``hostname`` resolves to; ``BlockedAddress`` if any of them may not be called."""
    infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    return _check_addresses(hostname, [info[4][0] for info in infos])


def _http_url(url: str) -> Any:
    """The parts of an http(s) URL with a host; ``BlockedAddress`` for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BlockedAddress(f"Only http and https URLs with a host can be called, not {url!r}.")
    return parts


class _Attempt:
    """The timing and the result of one request, the same for both clients."""

    def __init__(self, max_body_bytes: int | None) -> None:
        self.limit = max_body_bytes or settings.OUTBOUND_MAX_RESPONSE_BYTES
        self.started_at, self._start = timezone.now(), time.perf_counter()

    def _elapsed(self) -> float:
        return round((time.perf_counter() - self._start) * 1000, 2)

    def answered(self, status: int, headers: dict[str, str], content: bytes) -> HttpResult:
        """The response, its body cut at the limit (``content`` may hold one byte more, to tell)."""
        return HttpResult(
            started_at=self.started_at,
            duration_ms=self._elapsed(),
            status=status,
            headers=headers,
            body=content[: self.limit],
            body_truncated=len(content) > self.limit,
            retry_after=_retry_after(headers.get("Retry-After")),
        )

    def failed(self, error: str) -> HttpResult:
        return HttpResult(started_at=self.started_at, duration_ms=self._elapsed(), error=error)


def check_destination(url: str) -> None:
    """Raise ``BlockedAddress`` unless every address the URL's host resolves to may be called."""
    parts = _http_url(url)
    try:
        _resolve_allowed(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise OSError(f"Cannot resolve {parts.hostname}: {exc.strerror}") from None


class _CheckedConnection(urllib3.connection.HTTPConnection):
    """Connects only to addresses checked as it connects. Checking the URL first and letting the
    connection resolve the name again would leave a window: a DNS answer that changes in between
    (rebinding) could reach a refused address. Through a proxy, the proxy resolves the name."""

    def _new_conn(self) -> socket.socket:
        if self.proxy is not None:
            return super()._new_conn()
        hostname = self._dns_host
        try:
            addresses = _resolve_allowed(hostname, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        try:
            for address in addresses:  # like create_connection: the next one if one is unreachable
                self._dns_host = address
                try:
                    return super()._new_conn()
                except NewConnectionError:
                    if address == addresses[-1]:
                        raise
        finally:
            self._dns_host = hostname
        raise NewConnectionError(self, f"{hostname} resolves to no address")


class _CheckedHTTPSConnection(_CheckedConnection, urllib3.connection.HTTPSConnection):
    pass


class _CheckedHTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _CheckedConnection


class _CheckedHTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPConnectionPool,
            "https": _CheckedHTTPSConnectionPool,
        }


@cache
def _session() -> requests.Session:
    session = requests.Session()
    adapter = _CheckedAdapter(pool_connections=32, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
        except (TypeError, ValueError):
            return None


def send(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    body: bytes | None = None,
    timeout: float = 10,
    max_body_bytes: int | None = None,
) -> HttpResult:
    """Send one request; network failures come back as a result with ``error`` set, never raised."""
    attempt = _Attempt(max_body_bytes)
    try:
        check_destination(url)
        with _session().request(
            method,
            url,
            headers=headers,
            params=params,
            data=body,
            timeout=(min(5.0, timeout), timeout),
            allow_redirects=False,
            stream=True,
        ) as response:
            content = b""
            for chunk in response.iter_content(chunk_size=16384):
                content += chunk
                if len(content) > attempt.limit:
                    break
            return attempt.answered(response.status_code, dict(response.headers), content)
    except BlockedAddress as exc:
        return attempt.failed(f"blocked: {exc}")
    except (requests.RequestException, OSError, ValueError) as exc:
        return attempt.failed(_described(exc, timeout, url))


def _described(exc: BaseException, timeout: float, url: str) -> str:
    """What went wrong with a request, in plain words, for both clients (no Python internals reach
    people: ``ConnectionError: _CheckedHTTPConnectionPool(...)`` becomes "Cannot connect to ...")."""
    if isinstance(exc, TimeoutError | requests.Timeout):
        return f"No answer within {timeout:g} s."
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"Cannot resolve {exc.host}: the name is unknown or DNS is unreachable."
    if isinstance(exc, aiohttp.ServerDisconnectedError | requests.exceptions.ChunkedEncodingError):
        return "The server closed the connection without answering."
    if isinstance(exc, aiohttp.InvalidURL | requests.exceptions.InvalidURL):
        return f"The URL is not valid: {exc}."
    if (cause := _root_os_error(exc)) is not None:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        reason = os.strerror(cause.errno) if cause.errno else (cause.strerror or "no reason given")
        return f"Cannot connect to {parts.hostname}:{port}: {reason.lower()}."
    return str(exc) or type(exc).__name__


def _root_os_error(exc: BaseException) -> OSError | None:
    """The operating system's error at the bottom of a chain of wrapped exceptions (refused, unreachable...)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno:
            return seen
        if isinstance(seen, aiohttp.ClientConnectorError):
            return seen.os_error
        wrapped = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = seen.__cause__ or seen.__context__ or wrapped
    return None


class _CheckedResolver(aiohttp.abc.AbstractResolver):
    """aiohttp connects to exactly the addresses its resolver returns, so checking them here closes
    the window a DNS answer could change in (rebinding). IP literals never reach a resolver: the
    client checks them itself."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        _check_addresses(host, [info[4][0] for info in infos])
        return [
            {"hostname": host, "host": info[4][0], "port": info[4][1], "family": info[0], "proto": 0, "flags": 0}
            for info in infos
        ]

    async def close(self) -> None:
        pass


class AsyncClient:
    """Many requests in flight on one event loop, under the same rules as ``send``.

    ``async with AsyncClient() as client: result = await client.send(...)``. Connections are kept
    alive between requests to the same host; DNS answers are not cached (each new connection is
    checked as it is made).
    """

    def __init__(self, *, connections: int = 500) -> None:
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "AsyncClient":
        connector = aiohttp.TCPConnector(
            limit=self.connections, limit_per_host=0, resolver=_CheckedResolver(), use_dns_cache=False
        )
        self._session = aiohttp.ClientSession(
            connector=connector, headers={"User-Agent": USER_AGENT}, auto_decompress=False, trust_env=False
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        body: bytes | None = None,
        timeout: float = 10,
        max_body_bytes: int | None = None,
    ) -> HttpResult:
        """Send one request; network failures come back as a result with ``error`` set, never raised."""
        attempt = _Attempt(max_body_bytes)
        limit = attempt.limit
        try:
            parts = _http_url(url)
            if _is_ip_literal(parts.hostname):
                _check_addresses(parts.hostname, [parts.hostname])
            async with self._session.request(
                method,
                url,
                headers=headers,
                params=params,
                data=body,
                timeout=aiohttp.ClientTimeout(total=timeout, connect=min(5.0, timeout)),
                allow_redirects=False,
            ) as response:
                content = b""
                while len(content) <= limit and (chunk := await response.content.read(limit + 1 - len(content))):
                    content += chunk
                if len(content) > limit:
                    response.close()  # the rest is not read: the connection cannot be reused
                return attempt.answered(response.status, dict(response.headers), content)
        except BlockedAddress as exc:
            return attempt.failed(f"blocked: {exc}")
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            return attempt.failed(_described(exc, timeout, url))


def _is_ip_literal(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True
