"""Shared-cache helpers. The cache only ever saves work: when it cannot be reached, they read and
write through to the database instead of failing the request."""

import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import uuid4

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import transaction

#: A version expires after a day (the next read starts a new one): versions of agents and keys that
#: are gone do not pile up.
VERSION_SECONDS = 24 * 3600

logger = logging.getLogger(__name__)

#: What ``cache_read_ahead`` fetched: the keys asked for, and those found.
_read_ahead: ContextVar[tuple[frozenset[str], dict[str, Any]] | None] = ContextVar("cache_read_ahead", default=None)


@contextmanager
def cache_read_ahead(keys: Collection[str]) -> Iterator[None]:
    """Fetch ``keys`` from the shared cache in one round trip; in the block, reads of those keys through
    ``cache_get_many`` are answered from it. A request that needs several entries (the failure counters,
    the API key, the event type) then waits for one answer instead of one each."""
    try:
        found = cache.get_many(list(keys))
    except Exception:  # each read goes to the cache itself, and handles its absence as it does
        found = None
    token = _read_ahead.set(None if found is None else (frozenset(keys), found))
    try:
        yield
    finally:
        _read_ahead.reset(token)


def cache_get_many(keys: list[str]) -> dict[str, Any]:
    """``cache.get_many``, from the read-ahead of the block when it fetched all of ``keys``."""
    ahead = _read_ahead.get()
    if ahead is not None and ahead[0].issuperset(keys):
        return {key: ahead[1][key] for key in keys if key in ahead[1]}
    return cache.get_many(keys)


def cache_get_versioned(key: str, version_key: str) -> tuple[Any, str | None]:
    """The value cached at ``key`` if it was cached under the current version of ``version_key``
    (else None), and that version, to cache a value under. One round trip.

    A version names a state of what the value was computed from. Read it before that state, cache
    the result under it, and drop the version (`cache_invalidate`) whenever the state changes: a
    value computed from the old state, even one cached after the change, no longer matches.
    """
    try:
        found = cache_get_many([key, version_key])
        version, entry = found.get(version_key), found.get(key)
        if version is None:
            # A new random version: a dropped one must never come back. None if dropped again at once.
            cache.add(version_key, uuid4().hex, timeout=VERSION_SECONDS)
            return None, cache.get(version_key)
    except Exception:  # the cache cannot be reached: a miss, and nothing is cached meanwhile
        logger.warning("The shared cache cannot be reached; reading from the database", exc_info=True)
        return None, None
    if isinstance(entry, tuple) and entry[0] == version:
        return entry[1], version
    return None, version


def cache_set_versioned(key: str, value: Any, version: str | None, timeout: int) -> bool:
    """Cache ``value`` under ``version`` (from `cache_get_versioned`); whether it was."""
    if version is None:
        return False
    try:
        cache.set(key, (version, value), timeout)
    except Exception:
        logger.warning("The shared cache cannot be reached; %s is not cached", key, exc_info=True)
        return False
    return True


def cache_invalidate(keys: Collection[str]) -> None:
    """Drop cache entries (or versions) that a change in the current transaction outdates: now, and
    again once it commits (a request in between could have cached what it read before the commit)."""
    if keys:
        try:
            cache.delete_many(keys)
        except Exception:  # the commit's own attempt below tries again
            logger.warning("The shared cache cannot be reached; dropping %d entries after the commit", len(keys))
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


class _ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every operation, which costs more than the
    round trip itself (its constructor fills a table of ~200 response callbacks). One per pool is
    enough: a ``redis.Redis`` is thread-safe and takes its connections from the pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache backend, with one Redis client per connection pool."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClientRedisCacheClient
