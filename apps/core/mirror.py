"""A process-local copy of the shared-cache entries read on every request (API keys, event types,
senders that are blocked), kept current by Redis.

Every drop of a shared-cache entry is published on a Redis channel (``apps.core.cache``). A process
that keeps a copy subscribes to that channel and, before each read, applies whatever has arrived on
its subscription: a drop that was published before the read began is never missed. A read that the
copy answers then costs no round trip to Redis, which on a busy webhook was most of its time.

While the subscription is down (Redis restarting, say) the copy is emptied and nothing local is
trusted: reads go to the shared cache, as they would without a copy. Without Redis (the embedded
default's cache is a database table) there is no copy at all.
"""

import contextlib
import json
import logging
import os
import select
import threading
import time
from collections.abc import Collection
from typing import Any
from uuid import uuid4

from django.core.cache import cache

logger = logging.getLogger(__name__)

#: Where drops of shared-cache entries and blocked senders are published (a JSON object each).
CHANNEL = "junction:cache:published"
#: After the subscription failed, how long before it is tried again.
RETRY_SECONDS = 1.0
#: A held value is read from the shared cache again at least this often: a safety net only, as the
#: published drops keep the copy current.
ENTRY_SECONDS = 60
#: Past this many held values, the expired ones are let go (each changed discovery adds one).
MAX_ENTRIES = 100_000


class Mirror:
    """The copy kept by one process; ``mirror`` is the one to use."""

    def __init__(self) -> None:
        #: Names this process's copy in what it publishes (it has applied its own changes already).
        self.identity = uuid4().hex
        self._lock = threading.Lock()
        self._pubsub: Any = None
        self._fd: int | None = None  # the subscription's socket
        self._polls = threading.local()
        self._applying = False  # a thread is applying what it read off the subscription
        self._retry_at = 0.0
        #: Since when (seconds since the epoch) the subscription has been up without a break.
        self.live_since: float | None = None
        #: Bumped by each drop applied: a version read before a drop must not be remembered after it.
        self.generation = 0
        self._versions: dict[str, str] = {}
        self._entries: dict[str, tuple[str, Any, float]] = {}  # key: (version, value, expires at)
        self._blocked: dict[str, float] = {}  # failure counter: blocked until
        self._counters_read: dict[str, float] = {}  # failure counter read since subscribing: known until

    def live(self, *, subscribe: bool = True) -> bool:
        """Apply what has been published since the last call; whether the copy can be trusted now.

        Without ``subscribe`` a copy that is not subscribed is not trusted, rather than subscribing
        (a round trip to Redis that an event loop must not wait for)."""
        # Without the lock while nothing arrived: every request's threads ask, and a lock they queue on
        # while its holder waits for the interpreter would serialise them. Poll first, then see that no
        # other thread is applying what it took off the socket: then nothing published is pending.
        if self._pubsub is not None and not self._arrived() and not self._applying:
            return True
        publisher = getattr(cache, "publisher", None)
        if publisher is None or (self._pubsub is None and not subscribe):
            return False  # (not waiting for the lock either: a thread may hold it while it subscribes)
        with self._lock:
            if self._pubsub is None and not (subscribe and self._subscribe(publisher)):
                return False
            self._applying = True
            try:
                while (message := self._pubsub.get_message(True, timeout=0)) is not None:
                    self._apply(message)
            except Exception:
                logger.warning("The shared cache's publications cannot be read; not trusting the local copy")
                self._unsubscribe()
                return False
            finally:
                self._applying = False
            return True

    def _arrived(self) -> bool:
        """Whether something came on the subscription (or it broke): polling its socket costs a tenth
        of asking the client. Once the client has handed out every message it read, only the socket
        can hold more."""
        if self._fd is None:
            return True
        polls = self._polls  # one poll per thread: a poll object is not to be shared
        if getattr(polls, "fd", None) != self._fd:
            polls.poll, polls.fd = select.poll(), self._fd
            polls.poll.register(self._fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(polls.poll.poll(0))

    def _subscribe(self, publisher: Any) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        try:
            pubsub = publisher.pubsub()
            pubsub.subscribe(CHANNEL)
            # Subscribed once Redis confirms it: publications from then on reach this process.
            while (confirmed := pubsub.get_message(timeout=1)) is not None and confirmed["type"] != "subscribe":
                pass
            if confirmed is None:
                raise TimeoutError("Redis did not confirm the subscription")
        except Exception:
            logger.warning("Cannot subscribe to the shared cache's publications; reading it directly", exc_info=True)
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return False
        self._pubsub, self.live_since = pubsub, time.time()
        sock = getattr(pubsub.connection, "_sock", None)  # redis-py's socket, if it still keeps it there
        self._fd = sock.fileno() if sock is not None else None
        self._clear()
        return True

    def _unsubscribe(self) -> None:
        with contextlib.suppress(Exception):  # it is broken already
            self._pubsub.close()
        self._pubsub, self._fd, self.live_since = None, None, None
        self._retry_at = time.monotonic() + RETRY_SECONDS
        self._clear()

    def clear(self) -> None:
        """Forget everything held (the shared cache was emptied)."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self.generation += 1
        self._versions.clear()
        self._entries.clear()
        self._blocked.clear()
        self._counters_read.clear()

    def _apply(self, message: dict[str, Any]) -> None:
        published = json.loads(message["data"])
        if published.get("cleared"):
            self._clear()
        if (dropped := published.get("dropped")) and published.get("by") != self.identity:
            self._forget(dropped)
        if blocked := published.get("blocked"):
            self.block(blocked, published["until"])

    def get_versioned(self, key: str, version_key: str) -> tuple[Any, str] | None:
        """The value and version at ``key``, if held under the current version of ``version_key``."""
        version = self._versions.get(version_key)
        entry = self._entries.get(key)
        if version is None or entry is None or entry[0] != version or entry[2] < time.monotonic():
            return None
        return entry[1], version

    def remember(self, version_key: str, version: str, generation: int) -> None:
        """Keep ``version`` of ``version_key`` if nothing was dropped since ``generation`` was read."""
        with self._lock:
            if self.generation == generation and self.live_since is not None:
                self._versions[version_key] = version

    def put(self, key: str, value: Any, version: str) -> None:
        """Keep ``value`` under ``version``: served only while that version stays the current one."""
        now = time.monotonic()
        if len(self._entries) >= MAX_ENTRIES:
            with self._lock:
                for held, (_, _, expires_at) in list(self._entries.items()):
                    if expires_at < now:
                        del self._entries[held]
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
        self._entries[key] = (version, value, now + ENTRY_SECONDS)

    def answers(self, key: str) -> bool:
        """Whether a read of ``key`` may be answered here (a miss then reads the shared cache itself)."""
        entry = self._entries.get(key)
        return key in self._versions or (entry is not None and entry[2] >= time.monotonic())

    def drop(self, keys: Collection[str]) -> None:
        """What this process drops itself, at once (its publication comes back later)."""
        with self._lock:
            self._forget(keys)

    def _forget(self, keys: Collection[str]) -> None:
        self.generation += 1
        for key in keys:
            self._versions.pop(key, None)
            self._entries.pop(key, None)

    def block(self, keys: Collection[str], until: float) -> None:
        for key in keys:
            self._blocked[key] = until

    def counters_read(self, keys: Collection[str], blocked: Collection[str], until: float, generation: int) -> None:
        """Failure counters just read from the shared cache (``blocked``: those at their limit), read
        after ``generation``: until ``until`` (their window's end) the copy knows them, as any block
        after the read is published to it."""
        now = time.time()
        with self._lock:
            if self.generation != generation or self.live_since is None:
                return
            if len(self._counters_read) >= MAX_ENTRIES:
                self._counters_read = {key: known for key, known in self._counters_read.items() if known > now}
            self._counters_read.update(dict.fromkeys(keys, until))
            self.block(blocked, until)

    def knows_counters(self, keys: Collection[str]) -> bool:
        """Whether each of these failure counters was read since subscribing, in its current window."""
        now = time.time()
        return all(self._counters_read.get(key, 0) > now for key in keys)

    def blocked_until(self, keys: list[str]) -> float | None:
        """Until when any of these failure counters is blocked, if one is (per what was published)."""
        now = time.time()
        return max((until for key in keys if (until := self._blocked.get(key, 0)) > now), default=None)


mirror = Mirror()
# A forked child (a Celery process) starts with no copy: it must not read its parent's subscription.
os.register_at_fork(after_in_child=mirror.__init__)
