"""Writes that a web process's concurrent requests make, made together: by one thread, one transaction
a group.

A webhook's answer waits for its event to be durable, and a commit costs a round trip and a flush
to disk whatever it holds. Requests hand their write to a ``GroupCommit``, from the event loop
(``apps.core.machine_api``) or from a thread: its thread takes every write waiting, makes them in one call (one
transaction) and tells each request how its write went. The writes that arrive meanwhile wait for
the next group, so the busier the process, the larger the groups and the cheaper each write.

A group that fails is made again write by write, so that one write the database refuses fails only
its own request. When the database cannot be reached at all, every request of the group gets the
error (and answers 503): trying them one by one would only wait longer for the same answer.
"""

import asyncio
import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from django.db import InterfaceError, OperationalError, close_old_connections, connection

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """``write_many(items)`` makes the writes of ``items`` in one transaction and returns each one's
    outcome, in order; ``await submit(item)`` (on an event loop) or ``write(item)`` (in a thread) is one
    request's part of it."""

    def __init__(self, write_many: Callable[[list[T]], Sequence[R]], *, max_group: int, name: str) -> None:
        self.write_many = write_many
        self.max_group = max_group
        self.name = name
        self._waiting: queue.SimpleQueue[tuple[T, Future] | None] = queue.SimpleQueue()  # None: stop
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        os.register_at_fork(after_in_child=self._forget_thread)

    async def submit(self, item: T) -> R:
        """The outcome of ``item``'s write, once its group committed (or the error that stopped it). A
        request that stops waiting before its group is taken up is not written."""
        return await asyncio.wrap_future(self._submitted(item))

    def write(self, item: T) -> R:
        """``submit`` for a thread, which waits. Inside a transaction the write joins it instead, as any
        other write of that thread would."""
        if connection.in_atomic_block:
            return self.write_many([item])[0]
        return self._submitted(item).result()

    def _submitted(self, item: T) -> Future:
        self._running()
        outcome: Future = Future()
        self._waiting.put((item, outcome))
        return outcome

    def _running(self) -> None:
        # Started by the first write of the process that uses it (a web server's process, not its parent).
        if self._thread is None:
            with self._starting:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                    self._thread.start()

    def stop(self) -> None:
        """Make the writes waiting, close the thread's database connection and end the thread (the
        next write starts another): before the database goes away, say."""
        with self._starting:
            if self._thread is None:
                return
            self._waiting.put(None)
            self._thread.join()
            self._thread = None
        if not self._waiting.empty():  # written meanwhile
            self._running()

    def _serve(self) -> None:
        while True:
            group, stopping = self._next_group()
            try:
                self._commit(group)
            except Exception as error:  # a bug, not a refused write: still, no request waits forever
                logger.exception("A group of %d writes could not be made", len(group))
                for _, outcome in group:
                    if not outcome.done():
                        outcome.set_exception(error)
            finally:
                with contextlib.suppress(Exception):
                    close_old_connections()  # as after a request: a broken or old connection is not kept
            if stopping:
                connection.close()
                return

    def _next_group(self) -> tuple[list[tuple[T, Future]], bool]:
        """The writes waiting (at most ``max_group``) whose requests still wait, and whether the thread is
        to stop after them."""
        group, waiting = [], self._waiting.get()
        while waiting is not None:
            if waiting[1].set_running_or_notify_cancel():
                group.append(waiting)
            if len(group) == self.max_group:
                break
            try:
                waiting = self._waiting.get_nowait()
            except queue.Empty:
                if group:
                    break
                waiting = self._waiting.get()
        return group, waiting is None

    def _forget_thread(self) -> None:
        # A forked child has none of its parent's threads: it starts its own at its first write.
        self._waiting, self._thread, self._starting = queue.SimpleQueue(), None, threading.Lock()

    def _commit(self, group: list[tuple[T, Future]]) -> None:
        if not group:
            return
        try:
            outcomes = self.write_many([item for item, _ in group])
        except (OperationalError, InterfaceError) as error:
            for _, outcome in group:
                outcome.set_exception(error)
        except Exception as error:
            if len(group) == 1:
                group[0][1].set_exception(error)
                return
            logger.warning("A group of %d writes failed (%s); making them one by one", len(group), error)
            close_old_connections()
            for waiting in group:
                self._commit([waiting])
        else:
            for (_, outcome), result in zip(group, outcomes, strict=True):
                outcome.set_result(result)
