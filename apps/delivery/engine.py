"""The delivery engine: one event loop per worker that keeps hundreds of deliveries in flight.

It follows the event store itself (routing new events as soon as it sees them), claims due
executions in batches within each action's limit of requests in flight, sends them with the
asynchronous client of ``apps.core.http``, and records what came back in shared transactions.
The database stays the queue of record: a broker message never carries a delivery, so a slow or
lost message delays nothing, and a worker that dies leaves leases that another one takes back.

Database work runs in one thread of its own (Django's ORM is synchronous); the loop keeps sending
and reading answers meanwhile. Every Celery worker runs an engine beside its pool (see
``apps.delivery.worker``); ``deliver_due`` runs one pass in the caller's thread for tests.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from apps.core import http
from apps.delivery import services
from apps.delivery.models import Try
from apps.delivery.services import Claim, Done, EndpointView
from apps.hub import outbound, templating
from apps.hub.models import Action

logger = logging.getLogger(__name__)

#: After a wake-up, how long to wait for more reasons to claim (answers arrive in bursts).
COALESCE_SECONDS = 0.005


class Engine:
    def __init__(self, *, capacity: int | None = None, inline: bool = False) -> None:
        #: Requests in flight at most, over all actions.
        self.capacity = capacity or settings.DELIVERY_CAPACITY
        #: Run database work in the caller's thread (a test's transaction) rather than the engine's.
        self.inline = inline
        self.in_flight: Counter[int] = Counter()
        #: Executions claimed and not yet recorded: their leases are renewed while they last.
        self.held: set = set()
        #: Failed tries per action not yet recorded: its breaker may be about to open, so claim nothing
        #: more for it until they are.
        self.unrecorded_failures: Counter[int] = Counter()
        self.tasks: set[asyncio.Task] = set()
        self.due: set[int] = set()
        self.views: dict[int, EndpointView] = {}
        self.finished: list[Done] = []
        self.wake = asyncio.Event()
        self.finished_event = asyncio.Event()
        self.client: http.AsyncClient | None = None
        self._seen_head = -1
        self._router_behind = False
        self._next_route = self._next_due = self._next_take_back = self._next_renewal = 0.0

    # --- database work, off the loop ---------------------------------------------------------

    async def _db(self, function: Callable[..., Any], *args: Any) -> Any:
        if self.inline:
            return await sync_to_async(function, thread_sensitive=True)(*args)
        return await sync_to_async(_with_healthy_connection, thread_sensitive=True)(function, *args)

    # --- the loop ----------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        """Deliver until ``stopping`` is set, then let the requests in flight finish (within a grace)."""
        async with http.AsyncClient(connections=self.capacity) as self.client:
            recorder = asyncio.create_task(self._record_forever())
            while not stopping.is_set():
                try:
                    await self.step()
                except Exception:
                    logger.exception("The delivery engine could not claim work; it tries again in a second")
                    await asyncio.sleep(1)
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), settings.DELIVERY_POLL_SECONDS)
                    await asyncio.sleep(COALESCE_SECONDS)  # let answers arriving together share one claim
            if self.tasks:
                await asyncio.wait(self.tasks, timeout=settings.DELIVERY_SHUTDOWN_GRACE_SECONDS)
            recorder.cancel()
            await self._record()

    async def step(self) -> None:
        """Route new events, take back lost tries, claim what is due and start sending it."""
        now = time.monotonic()
        if self.held and now >= self._next_renewal:
            self._next_renewal = now + settings.DELIVERY_LEASE_SECONDS / 3
            await self._db(services.leases_renew, list(self.held))
        if now >= self._next_take_back:
            self._next_take_back = now + settings.DELIVERY_SWEEP_SECONDS
            if await self._db(services.executions_take_back):
                self._next_due = 0
        head = await self._db(services.store.last_position)
        # Route when something new was recorded, or is still to read. On PostgreSQL a lower position
        # can still commit after a higher one was read: route now and then anyway.
        if head != self._seen_head or self._router_behind or now >= self._next_route:
            self._seen_head, self._next_route = head, now + settings.DELIVERY_ROUTE_SWEEP_SECONDS
            routed, self._router_behind = await self._db(services.executions_route_new)
            self.due |= routed
        if now >= self._next_due:
            self._next_due = now + settings.DELIVERY_DUE_POLL_SECONDS
            self.due |= await self._db(services.actions_with_due_work)
            self.views = await self._db(services.endpoint_views, self.due | set(self.in_flight))
        elif unknown := self.due - self.views.keys():
            self.views |= await self._db(services.endpoint_views, unknown)
        wanted = self._wanted(timezone.now())
        if not wanted:
            return
        claims = await self._db(services.executions_claim, wanted)
        taken = Counter(claim.action.pk for claim in claims)
        self.due -= {action_id for action_id, count in wanted.items() if taken[action_id] < count}
        for claim in claims:
            self.in_flight[claim.action.pk] += 1
            self.held.add(claim.execution.pk)
            task = asyncio.create_task(self._deliver(claim))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def _wanted(self, now: datetime) -> dict[int, int]:
        """How many executions to claim per action: its free slots, one probe for a tripped breaker."""
        free = self.capacity - sum(self.in_flight.values())
        wanted: dict[int, int] = {}
        for action_id in sorted(self.due, key=self.in_flight.__getitem__):
            view = self.views.get(action_id)
            if free <= 0 or view is None or view.disabled or self.unrecorded_failures[action_id]:
                continue
            limit = view.max_in_flight
            if view.open_until is not None:
                if view.open_until > now:
                    continue
                limit = 1  # half open: one probe at a time
            if (count := min(limit - self.in_flight[action_id], free)) > 0:
                wanted[action_id] = count
                free -= count
        return wanted

    # --- one try -----------------------------------------------------------------------------

    async def _deliver(self, claim: Claim) -> None:
        try:
            done = await self._attempt(claim)
        except Exception as exc:  # a bug must fail this try, never the engine
            logger.exception("Delivery of execution %s failed unexpectedly", claim.execution.pk)
            done = Done(claim, Try.Outcome.TRANSIENT, f"Junction could not send this try ({type(exc).__name__}).")
        self.in_flight[claim.action.pk] -= 1
        if not self.in_flight[claim.action.pk]:
            del self.in_flight[claim.action.pk]
        if done.outcome == Try.Outcome.TRANSIENT:
            self.unrecorded_failures[claim.action.pk] += 1
        self.finished.append(done)
        self.finished_event.set()
        self.wake.set()  # a slot is free: claim again soon

    async def _attempt(self, claim: Claim) -> Done:
        action = claim.action
        try:
            request = await self._prepare(claim)
        except outbound.AuthError as exc:
            return Done(claim, Try.Outcome.TRANSIENT, str(exc))
        except templating.TemplateError as exc:
            return Done(claim, Try.Outcome.PERMANENT, f"The action's template cannot be rendered: {exc}.")
        except EventGone:
            return Done(claim, Try.Outcome.PERMANENT, "The event of this delivery is no longer in the event store.")
        except Exception as exc:  # whatever this event's values do to the template fails this execution only
            logger.exception("Execution %s: the request could not be prepared", claim.execution.pk)
            reason = f"The request could not be prepared from this event ({type(exc).__name__}: {exc})."
            return Done(claim, Try.Outcome.PERMANENT, reason)
        result = await outbound.send_in_flight(self.client, action, request)
        if result.status == 401 and action.auth == Action.Auth.OAUTH2:
            # The cached token may have been revoked early: get a fresh one, once.
            try:
                request = await self._prepare(claim, refresh=True)
            except outbound.AuthError as exc:
                return Done(claim, Try.Outcome.TRANSIENT, str(exc), request, result)
            result = await outbound.send_in_flight(self.client, action, request)
        return Done(claim, services.classify(result), result.error, request, result)

    async def _prepare(self, claim: Claim, *, refresh: bool = False) -> outbound.RenderedRequest:
        """Render, authenticate and sign. OAuth2 may call a token endpoint: that happens off the loop."""
        if claim.action.auth == Action.Auth.OAUTH2:
            return await sync_to_async(_prepared, thread_sensitive=self.inline)(claim, refresh)
        return _prepared(claim, refresh)

    # --- recording -----------------------------------------------------------------------------

    async def _record_forever(self) -> None:
        while True:
            await self.finished_event.wait()
            self.finished_event.clear()
            try:
                await self._record()
            except Exception:
                logger.exception("Could not record finished tries; trying again in a second")
                await asyncio.sleep(1)
                self.finished_event.set()

    async def _record(self) -> None:
        """Record every finished try in one transaction; on failure they stay to be recorded later."""
        if not self.finished:
            return
        batch = self.finished[:]
        try:
            await self._db(services.tries_complete, batch)
        except Exception:
            if len(batch) == 1:
                raise
            batch = await self._record_one_by_one(batch)
        done = {id(item) for item in batch}
        self.finished = [item for item in self.finished if id(item) not in done]
        self.held.difference_update(item.claim.execution.pk for item in batch)
        self.unrecorded_failures -= Counter(
            item.claim.action.pk for item in batch if item.outcome == Try.Outcome.TRANSIENT
        )
        actions = {item.claim.action.pk for item in batch}
        self.views |= await self._db(services.endpoint_views, actions)
        self.due |= actions  # their slots are free again
        self.wake.set()

    async def _record_one_by_one(self, batch: list[Done]) -> list[Done]:
        """A batch that cannot be recorded: record its tries one by one. One that still fails is given up
        here (its lease runs out and it is tried again); if every one fails, the database is the trouble
        and they all wait for the next attempt."""
        recorded, failed = [], []
        for item in batch:
            try:
                await self._db(services.tries_complete, [item])
                recorded.append(item)
            except Exception:
                failed.append(item)
        if not recorded:
            raise RuntimeError("no finished try could be recorded")
        for item in failed:
            logger.error("Could not record a try of execution %s; it is tried again later", item.claim.execution.pk)
        return batch

    async def run_once(self) -> int:
        """One pass: route, claim and send everything due now, wait for the answers and record them."""
        async with http.AsyncClient(connections=self.capacity) as self.client:
            self._next_due = 0
            await self.step()
            started = len(self.tasks)
            if self.tasks:
                await asyncio.wait(self.tasks)
            await self._record()
            return started


class EventGone(Exception):
    """The event a delivery is for is no longer in the store."""


def _prepared(claim: Claim, refresh: bool) -> outbound.RenderedRequest:
    action = claim.action
    if claim.event is None:
        raise EventGone
    request = outbound.render(action, outbound.event_context(claim.event))
    return outbound.signed(action, outbound.authenticate(action, request, refresh=refresh), str(claim.execution.pk))


def _with_healthy_connection(function: Callable[..., Any], *args: Any) -> Any:
    """Run database work in the engine's thread; a connection broken meanwhile (a database restart) is
    replaced before the next piece of work."""
    try:
        return function(*args)
    except Exception:
        close_old_connections()
        raise


def deliver_due() -> int:
    """Route and deliver everything due now, in the caller's thread and transaction; the number of
    tries made. For tests and the shell: workers run ``Engine.run``."""
    return async_to_sync(Engine(inline=True).run_once)()
