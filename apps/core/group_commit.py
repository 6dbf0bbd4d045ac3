"""Writes that a web process's concurrent requests make, made together: by one thread, one transaction
a group.

A webhook's answer waits for its event to be durable, and a commit costs a round trip and a flush
to disk whatever it holds. Requests answered on the event loop (``apps.core.machine_api``) hand their
write to a ``GroupCommit``: its thread takes every write waiting, makes them in one call (one
transaction) and tells each request how its write went. The writes that arrive meanwhile wait for
the next group, so the busier the process, the larger the groups and the cheaper each write.

A group that fails is made again write by write, so that one write the database refuses fails only
its own request. When the database cannot be reached at all, every request of the group gets the
error (and answers 503): trying them one by one would only wait longer for the same answer.
"""

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from django.db import InterfaceError, OperationalError, close_old_connections

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

_Waiting = tuple[T, asyncio.Future, asyncio.AbstractEventLoop]


class GroupCommit(Generic[T, R]):
    """``write_many(items)`` makes the writes of ``items`` in one transaction and returns each one's
    outcome, in order; ``await submit(item)`` is one request's part of it."""

    def __init__(self, write_many: Callable[[list[T]], Sequence[R]], *, max_group: int, name: str) -> None:
        self.write_many = write_many
        self.max_group = max_group
        self.name = name
        self._waiting: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    async def submit(self, item: T) -> R:
        """The outcome of ``item``'s write, once its group committed (or the error that stopped it)."""
        loop = asyncio.get_running_loop()
        outcome = loop.create_future()
        self._running()
        self._waiting.put((item, outcome, loop))
        return await outcome

    def _running(self) -> None:
        # Started by the first write of the process that uses it (a web server's process, not its parent).
        if self._thread is None:
            with self._starting:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                    self._thread.start()

    def _serve(self) -> None:
        while True:
            group = [self._waiting.get()]
            while len(group) < self.max_group:
                try:
                    group.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                self._commit(group)
            finally:
                close_old_connections()  # as after a request: a broken or old connection is not kept

    def _commit(self, group: list[_Waiting]) -> None:
        try:
            outcomes = self.write_many([item for item, _, _ in group])
        except (OperationalError, InterfaceError) as error:
            for _, future, loop in group:
                _settle(future, loop, error=error)
        except Exception as error:
            if len(group) == 1:
                _settle(group[0][1], group[0][2], error=error)
                return
            logger.warning("A group of %d writes failed (%s); making them one by one", len(group), error)
            close_old_connections()
            for waiting in group:
                self._commit([waiting])
        else:
            for (_, future, loop), outcome in zip(group, outcomes, strict=True):
                _settle(future, loop, outcome=outcome)


def _settle(
    future: asyncio.Future, loop: asyncio.AbstractEventLoop, *, outcome: object = None, error: Exception | None = None
) -> None:
    """Tell the waiting request, on its own loop (unless it stopped waiting)."""

    def settle() -> None:
        if not future.done():
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(outcome)

    with contextlib.suppress(RuntimeError):  # the loop closed: the server is gone, and the request with it
        loop.call_soon_threadsafe(settle)
