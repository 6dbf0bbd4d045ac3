"""Failed authentication is throttled per client address and per key prefix: a 429 with Retry-After.

Guessing keys or client secrets then costs the guesser a minute per ``AUTH_FAILURES_ALLOWED``
tries, from one address or against one key, and never costs the hub more than that many checks.
The counters live in the shared cache; when it cannot be reached, authentication goes on unthrottled
rather than refusing everyone. A counter that reaches the limit is published to every process's local
copy (``apps.core.mirror``), which then answers the check without a round trip.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from apps.core.api import ApplicationError
from apps.core.cache import cache_get_many, cache_publish_blocked
from apps.core.mirror import mirror

logger = logging.getLogger(__name__)
T = TypeVar("T")


def cache_keys(scope: str, request: HttpRequest, prefix: str | None) -> list[str]:
    """The shared-cache entries ``authenticated`` reads (for ``cache_read_ahead``)."""
    keys, window = _keys(scope, _address(request), prefix)
    return [] if _answered_locally(keys, window) else keys


def clear_locally(scope: str, request: HttpRequest, prefix: str | None) -> bool:
    """Whether the local copy knows that this address and key prefix are not blocked (no round trip)."""
    keys, window = _keys(scope, _address(request), prefix)
    return _answered_locally(keys, window, subscribe=False) and mirror.blocked_until(keys) is None


def _answered_locally(keys: list[str], window: int, *, subscribe: bool = True) -> bool:
    """The local copy knows whether these counters are blocked: it has heard every block published in
    their window (it was subscribed before the window began), or it read them since it subscribed."""
    since = mirror.live_since if mirror.live(subscribe=subscribe) else None
    if since is None:
        return False
    return since <= window * settings.AUTH_FAILURE_WINDOW_SECONDS or mirror.knows_counters(keys)


def _keys(scope: str, address: str, prefix: str | None) -> tuple[list[str], int]:
    window = int(time.time() // settings.AUTH_FAILURE_WINDOW_SECONDS)
    keys = [f"authfail:{scope}:address:{address}:{window}"]
    if prefix:
        # The prefix is whatever the client sent (spaces, control characters): hashed, it is a valid key
        # for any cache backend.
        hashed = hashlib.sha256(prefix.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        keys.append(f"authfail:{scope}:key:{hashed}:{window}")
    return keys, window


def blocked(scope: str, request: HttpRequest, prefix: str | None) -> int | None:
    """Seconds to wait if this address or key prefix failed too often lately, else None."""
    keys, window = _keys(scope, _address(request), prefix)
    if _answered_locally(keys, window):
        is_blocked = mirror.blocked_until(keys) is not None
    else:
        generation = mirror.generation
        try:
            counts = cache_get_many(keys)
        except Exception:  # the cache is down: authenticate anyway
            logger.warning("Cannot read the failed-authentication counters; not throttling", exc_info=True)
            return None
        reached = [key for key, count in counts.items() if count >= settings.AUTH_FAILURES_ALLOWED]
        if mirror.live_since is not None:
            mirror.counters_read(keys, reached, _window_end(window), generation)
        is_blocked = bool(reached)
    return max(1, int(_window_end(window) - time.time()) + 1) if is_blocked else None


def _window_end(window: int) -> float:
    return (window + 1) * settings.AUTH_FAILURE_WINDOW_SECONDS


def failed(scope: str, request: HttpRequest, prefix: str | None) -> None:
    """Count a failed authentication from this address, with this key prefix."""
    keys, window = _keys(scope, _address(request), prefix)
    try:
        reached = []
        for key in keys:
            cache.add(key, 0, timeout=2 * settings.AUTH_FAILURE_WINDOW_SECONDS)
            if cache.incr(key) >= settings.AUTH_FAILURES_ALLOWED:
                reached.append(key)
        if reached:
            cache_publish_blocked(reached, until=_window_end(window))
    except Exception:
        logger.warning("Cannot count a failed authentication", exc_info=True)


def authenticated(scope: str, request: HttpRequest, prefix: str | None, authenticate: Callable[[], T]) -> T:
    """``authenticate()``, unless this address or key prefix failed too often lately (429); a failure
    (an ``ApplicationError`` with status 401) is counted."""
    if wait := blocked(scope, request, prefix):
        raise ApplicationError(
            "too_many_failures",
            f"Too many failed authentications from this address or with this key; try again in {wait} s.",
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    try:
        return authenticate()
    except ApplicationError as exc:
        if exc.status_code == 401:
            failed(scope, request, prefix)
        raise


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")
