"""Named readers of the store with durable cursors (projections, routers, reactions).

A handler sees every event after its subscription's cursor, in read order, at least once. Each
batch runs in one transaction with the cursor update, so when a handler writes to the same database
its writes and the cursor commit together: a crash replays the batch, and nothing is lost or seen
half-applied. Handlers must still be idempotent because effects outside the database may repeat.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.eventstore.models import EventRecord, Subscription
from apps.eventstore.store import RecordedEvent, read_after, recorded_after

logger = logging.getLogger(__name__)


class NotYet(Exception):
    """Raised by a handler for an event it cannot handle yet because another reader has not caught up
    (a reaction that reads a read model, say). The batch rolls back and the subscription waits: it is
    tried again soon, quietly, and does not count as failing."""


class _BatchStopped(Exception):
    """A handler raised (the cause); carries the cursor the batch started from."""

    def __init__(self, cursor: tuple[int, int]) -> None:
        super().__init__(cursor)
        self.cursor = cursor


Handler = Callable[[RecordedEvent], None] | Callable[[list[RecordedEvent]], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    handle: Handler
    event_types: frozenset[str] | None = None
    #: Called inside the transaction that resets the cursor to 0, to clear a read model.
    reset: Callable[[], None] | None = None
    #: False for a subscription that a long-running process follows itself (the delivery engine's
    #: router): appends do not send it wake-up tasks; the beat sweep still runs it.
    woken_by_appends: bool = True
    #: The handler takes each batch whole (a list of the events it wants), to share work across them.
    batches: bool = False

    def wants(self, event: RecordedEvent) -> bool:
        return self.event_types is None or event.type in self.event_types


_subscribers: dict[str, Subscriber] = {}


def subscriber(
    name: str,
    *,
    event_types: Iterable[str] | None = None,
    reset: Callable[[], None] | None = None,
    woken_by_appends: bool = True,
    batches: bool = False,
) -> Callable[[Handler], Handler]:
    """Register a function as the handler of the subscription ``name``."""

    def register(handle: Handler) -> Handler:
        types = frozenset(event_types) if event_types else None
        _subscribers[name] = Subscriber(name, handle, types, reset, woken_by_appends, batches)
        return handle

    return register


def registered() -> dict[str, Subscriber]:
    return dict(_subscribers)


def unregister(name: str) -> None:
    _subscribers.pop(name, None)


def _claim(name: str) -> Subscription | None:
    """Lock the subscription's row for this transaction; None if another runner holds it."""
    return Subscription.objects.select_for_update(skip_locked=True).filter(name=name).first()


def run_batch(sub: Subscriber, *, batch_size: int) -> int:
    """Handle the next batch of events in one transaction; return how many events were read."""
    with transaction.atomic():
        cursor = _claim(sub.name)
        if cursor is None:
            return 0
        events = read_after(cursor.last_tx, cursor.last_position, limit=batch_size)
        wanted = [event for event in events if sub.wants(event)]
        try:
            if sub.batches:
                if wanted:
                    sub.handle(wanted)
            else:
                for event in wanted:
                    sub.handle(event)
        except Exception as exc:
            raise _BatchStopped((cursor.last_tx, cursor.last_position)) from exc
        if events:
            cursor.last_tx, cursor.last_position = events[-1].tx, events[-1].position
            cursor.events_handled += len(wanted)
            cursor.last_error, cursor.failing_since, cursor.waiting_for = "", None, ""
            cursor.save(
                update_fields=[
                    "last_tx",
                    "last_position",
                    "events_handled",
                    "last_error",
                    "failing_since",
                    "waiting_for",
                    "updated_at",
                ]
            )
        return len(events)


def run_subscription(name: str, *, batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Catch one subscription up; return the number of events read. Failures and waits are recorded,
    not raised."""
    sub = _subscribers[name]
    batch_size = batch_size or settings.EVENTSTORE_BATCH_SIZE
    Subscription.objects.get_or_create(name=name)
    total = batches = 0
    while max_batches is None or batches < max_batches:
        try:
            read = run_batch(sub, batch_size=batch_size)
        except _BatchStopped as stop:
            _record_stop(name, stop.__cause__, at=stop.cursor)
            return total
        except Exception as exc:  # the store itself (the database is down, say)
            _record_stop(name, exc)
            return total
        total += read
        batches += 1
        if read < batch_size:
            break
    return total


def behind(name: str) -> bool:
    """Whether the subscription has committed events still to read (some perhaps not readable yet)."""
    cursor = Subscription.objects.filter(name=name).values_list("last_tx", "last_position").first()
    return recorded_after(*(cursor or (0, 0)))


def failing(name: str) -> bool:
    """The subscription's last run failed (it is stuck at its cursor until a run succeeds)."""
    return Subscription.objects.filter(name=name, failing_since__isnull=False).exists()


def stopped(name: str) -> bool:
    """The subscription's last run stopped at its cursor: it failed, or it waits for another reader."""
    return Subscription.objects.filter(name=name).exclude(failing_since__isnull=True, waiting_for="").exists()


def _record_stop(name: str, exc: BaseException, *, at: tuple[int, int] | None = None) -> None:
    """Record why the run stopped, unless another runner has moved the cursor on from ``at`` meanwhile
    (its success stands: the row is unlocked once the batch rolls back)."""
    rows = Subscription.objects.filter(name=name)
    if at is not None:
        rows = rows.filter(last_tx=at[0], last_position=at[1])
    try:
        if isinstance(exc, NotYet):
            logger.info("Subscription %s waits: %s", name, exc)
            rows.update(waiting_for=str(exc)[:2000])
        else:
            logger.error("Subscription %s failed; it will retry from its cursor", name, exc_info=exc)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            rows.update(failing_since=Coalesce("failing_since", Value(timezone.now())), last_error=error)
    except DatabaseError:
        logger.exception("Could not record why subscription %s stopped", name)


def reset_subscription(name: str) -> None:
    """Move a subscription back to the start of the store, clearing its read model with it."""
    sub = _subscribers[name]
    with transaction.atomic():
        Subscription.objects.update_or_create(
            name=name,
            defaults={"last_tx": 0, "last_position": 0, "events_handled": 0, "last_error": "", "waiting_for": ""},
        )
        if sub.reset:
            sub.reset()


def _wake_key(name: str) -> str:
    return f"eventstore:wake:{name}"


def wake_subscribers(event_types: Iterable[str]) -> None:
    """Send a run task to each subscription that wants one of these event types, unless one is already
    on its way (debounced in the cache). A subscription that wants none of them reads past them later."""
    from apps.eventstore.tasks import run_subscription_task

    event_types = set(event_types)
    for sub in _subscribers.values():
        if not sub.woken_by_appends or (sub.event_types is not None and sub.event_types.isdisjoint(event_types)):
            continue
        if cache.add(_wake_key(sub.name), 1, timeout=settings.EVENTSTORE_WAKE_DEBOUNCE_SECONDS):
            run_subscription_task.delay(sub.name)


def wake_subscribers_on_commit(event_types: Iterable[str]) -> None:
    """Wake the subscriptions once the transaction commits. A wake-up that fails (the broker or the
    cache is down) is logged and lost, never raised: the events are committed and the sweep reads them."""
    if settings.EVENTSTORE_WAKE_SUBSCRIBERS and _subscribers:
        types = frozenset(event_types)

        def wake_subscribers_after_commit() -> None:  # a function, not a partial: Django logs its name
            wake_subscribers(types)

        transaction.on_commit(wake_subscribers_after_commit, robust=True)


def woken(name: str) -> None:
    """Called by the run task before it reads, so appends committed from now on wake it again."""
    cache.delete(_wake_key(name))


def lag(name: str) -> int:
    """How many events the subscription has still to handle: recorded after its cursor, of the types
    it wants (an estimate on busy stores)."""
    cursor = Subscription.objects.filter(name=name).values_list("last_position", flat=True).first() or 0
    behind = EventRecord.objects.filter(position__gt=cursor)
    wanted = _subscribers[name].event_types if name in _subscribers else None
    if wanted is not None:
        behind = behind.filter(event_type__in=wanted)
    return behind.count()
