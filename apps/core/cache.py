"""Shared-cache helpers. The cache only ever saves work: when it cannot be reached, they read and
write through to the database instead of failing the request."""

import json
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

from apps.core.mirror import CHANNEL, mirror

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
    the API key, the event type) then waits for one answer instead of one each, and for none when the
    process's local copy answers them all (``apps.core.mirror``)."""
    keys = [key for key in keys if not mirror.answers(key)] if mirror.live() else list(keys)
    try:
        found = cache.get_many(keys) if keys else {}
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


def cache_get_versioned(key: str, version_key: str, *, local: bool = False) -> tuple[Any, str | None]:
    """The value cached at ``key`` if it was cached under the current version of ``version_key``
    (else None), and that version, to cache a value under. One round trip, or none with ``local``
    when the process's copy holds both (what is read on every request).

    A version names a state of what the value was computed from. Read it before that state, cache
    the result under it, and drop the version (`cache_invalidate`) whenever the state changes: a
    value computed from the old state, even one cached after the change, no longer matches.
    """
    generation = None
    if local and mirror.live():
        if (held := mirror.get_versioned(key, version_key)) is not None:
            return held
        generation = mirror.generation
    value, version = _shared_get_versioned(key, version_key)
    if generation is not None and version is not None:
        mirror.remember(version_key, version, generation)
        if value is not None:
            mirror.put(key, value, version)
    return value, version


def cache_held(key: str, version_key: str) -> Any:
    """The value at ``key`` if this process's copy holds it under the current version of
    ``version_key``, else None: what can be read without waiting (on an event loop)."""
    held = mirror.get_versioned(key, version_key) if mirror.live(subscribe=False) else None
    return None if held is None else held[0]


def _shared_get_versioned(key: str, version_key: str) -> tuple[Any, str | None]:
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


def cache_set_versioned(key: str, value: Any, version: str | None, timeout: int, *, local: bool = False) -> bool:
    """Cache ``value`` under ``version`` (from `cache_get_versioned`), in the process's copy too with
    ``local``; whether it was cached."""
    if version is None:
        return False
    if local:
        mirror.put(key, value, version)
    else:
        mirror.drop([key])  # a copy this process held is outdated too
    try:
        cache.set(key, (version, value), timeout)
        # A value replaced under the same version (a newer verdict, say): the other copies read it again.
        _publish({"dropped": [key], "by": mirror.identity})
    except Exception:
        logger.warning("The shared cache cannot be reached; %s is not cached", key, exc_info=True)
        return False
    return True


def cache_invalidate(keys: Collection[str]) -> None:
    """Drop cache entries (or versions) that a change in the current transaction outdates: now, and
    again once it commits (a request in between could have cached what it read before the commit)."""
    if keys:
        try:
            _drop(keys)
        except Exception:  # the commit's own attempt below tries again
            logger.warning("The shared cache cannot be reached; dropping %d entries after the commit", len(keys))
        transaction.on_commit(lambda: _drop(keys), robust=True)


def _drop(keys: Collection[str]) -> None:
    """Delete ``keys`` and publish that they are gone (in one round trip), for every process's copy."""
    mirror.drop(keys)  # this process's own, at once
    publisher = getattr(cache, "publisher", None)
    if publisher is None:
        cache.delete_many(keys)
        return
    pipeline = publisher.pipeline(transaction=False)
    pipeline.delete(*(cache.make_and_validate_key(key) for key in keys))
    _publish({"dropped": list(keys)}, pipeline)
    pipeline.execute()


def cache_publish_blocked(keys: Collection[str], until: float) -> None:
    """Tell every process's copy that these failure counters are blocked until ``until`` (epoch seconds)."""
    mirror.block(keys, until)  # this process's own, at once
    _publish({"blocked": list(keys), "until": until})


def _publish(message: dict[str, Any], through: Any = None) -> None:
    """Publish ``message`` to every process's copy (``apps.core.mirror``), if the cache is Redis."""
    publisher = through or getattr(cache, "publisher", None)
    if publisher is not None:
        publisher.publish(CHANNEL, json.dumps(message))


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
    """Django's Redis cache backend, with one Redis client per connection pool, and the client for
    what it publishes to the processes' local copies (``apps.core.mirror``)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClientRedisCacheClient

    @property
    def publisher(self) -> Any:
        return self._cache.get_client(write=True)

    def clear(self) -> None:
        """Empty the shared cache, and every process's copy with it."""
        super().clear()
        mirror.clear()
        _publish({"cleared": True})
