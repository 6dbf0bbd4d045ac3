"""Commands, aggregates and the command bus.

A command expresses intent towards one stream. The bus loads the aggregate that owns the stream by
folding its events (from a snapshot when the stream is long), lets it decide (plain Python, no
database), appends the events it returns with the version it was loaded at, and retries the whole
decision when another writer got there first. Every event records the command as its cause and
inherits its correlation; a command dispatched in reaction to an event records that event as its
cause, so any outcome traces back to the request that started it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from django.conf import settings
from django.db import connection, transaction

from apps.core.api import ApplicationError
from apps.eventstore import store
from apps.eventstore.models import CommandRecord, Snapshot
from apps.eventstore.store import Causation, NewEvent, RecordedEvent


@dataclass(frozen=True)
class Command:
    type: str
    stream_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    command_id: UUID = field(default_factory=uuid4)
    cause_id: UUID | None = None
    #: The root request; a command with none is itself the root.
    correlation_id: UUID | None = None
    actor: str = ""

    @property
    def correlation(self) -> UUID:
        return self.correlation_id or self.command_id

    @classmethod
    def caused_by(cls, event: RecordedEvent, type: str, stream_id: str, payload: dict[str, Any]) -> Self:
        """A command dispatched in reaction to ``event``."""
        return cls(type, stream_id, payload, cause_id=event.event_id, correlation_id=event.correlation_id)


class CommandRejected(ApplicationError):
    """A business rule refused the command; nothing was appended."""

    status_code = 422


@dataclass(frozen=True)
class PublicCommand:
    """A command outside systems may send over REST, to the systems granted it (``apps.eventlog``).

    ``send(target, payload, command_id=..., actor=...)`` checks the request as a person's request is
    checked (raising ``ApplicationError``), dispatches the command under ``command_id`` and returns the
    events it recorded.
    """

    type: str
    #: In plain words, e.g. "Choose a cluster's checks".
    title: str
    target: str
    description: str
    payload_schema: dict[str, Any]
    send: Callable[..., list[RecordedEvent]]


_public: dict[str, PublicCommand] = {}


def public_command(
    command_type: str, *, title: str, target: str, description: str, payload_schema: dict[str, Any]
) -> Callable[[Callable[..., list[RecordedEvent]]], Callable[..., list[RecordedEvent]]]:
    """Declare the decorated function as the way outside systems send ``command_type``."""

    def register(send: Callable[..., list[RecordedEvent]]) -> Callable[..., list[RecordedEvent]]:
        _public[command_type] = PublicCommand(command_type, title, target, description, payload_schema, send)
        return send

    return register


def public_commands() -> dict[str, PublicCommand]:
    return dict(_public)


def event(type: str, **data: Any) -> NewEvent:
    return NewEvent(type, data)


def handles(command_type: str) -> Callable:
    """Mark an aggregate method as the decision for ``command_type``: ``(self, payload) -> events``."""

    def mark(method: Callable) -> Callable:
        method._handles = command_type
        return method

    return mark


def applies(event_type: str) -> Callable:
    """Mark an aggregate method as the fold of ``event_type``: ``(self, data) -> None``."""

    def mark(method: Callable) -> Callable:
        method._applies = event_type
        return method

    return mark


class Aggregate:
    """Consistency boundary over one stream. Subclasses decide with ``@handles`` and fold with ``@applies``.

    The default snapshot is every public attribute (JSON-friendly values); bump ``snapshot_schema``
    when the state's shape changes so older snapshots are ignored.
    """

    snapshot_schema: ClassVar[int] = 1
    _deciders: ClassVar[dict[str, Callable]]
    _folds: ClassVar[dict[str, Callable]]

    def __init__(self, stream_id: str) -> None:
        self.stream_id = stream_id
        self.version = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._deciders, cls._folds = {}, {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                if command_type := getattr(attr, "_handles", None):
                    cls._deciders[command_type] = attr
                if event_type := getattr(attr, "_applies", None):
                    cls._folds[event_type] = attr
        for command_type in cls._deciders:
            _routes[command_type] = cls

    def apply(self, event_type: str, data: dict[str, Any]) -> None:
        fold = self._folds.get(event_type)
        if fold is not None:
            fold(self, data)
        self.version += 1

    def execute(self, command: Command) -> list[NewEvent]:
        """Decide, and fold the decided events so a rule can look at the state they lead to."""
        events = list(self._deciders[command.type](self, command.payload) or [])
        for new in events:
            fold = self._folds.get(new.type)
            if fold is not None:
                fold(self, new.data)
        return events

    def snapshot_state(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in {"stream_id", "version"}}

    def restore_state(self, state: dict[str, Any]) -> None:
        vars(self).update(state)


_routes: dict[str, type[Aggregate]] = {}


def aggregate_for(command_type: str) -> type[Aggregate]:
    try:
        return _routes[command_type]
    except KeyError:
        raise CommandRejected("unknown_command", f"No aggregate handles {command_type!r}.") from None


def load(aggregate_class: type[Aggregate], stream_id: str) -> Aggregate:
    aggregate = aggregate_class(stream_id)
    snapshot = Snapshot.objects.filter(
        stream_id=stream_id, aggregate=aggregate_class.__qualname__, schema=aggregate_class.snapshot_schema
    ).first()
    if snapshot is not None:
        aggregate.restore_state(snapshot.state)
        aggregate.version = snapshot.version
    for recorded in store.read_stream(stream_id, after_version=aggregate.version):
        aggregate.apply(recorded.type, recorded.data)
    return aggregate


def _snapshot_if_due(aggregate: Aggregate, appended: int) -> None:
    every = settings.EVENTSTORE_SNAPSHOT_EVERY
    if aggregate.version // every > (aggregate.version - appended) // every:
        Snapshot.objects.update_or_create(
            stream_id=aggregate.stream_id,
            defaults={
                "aggregate": type(aggregate).__qualname__,
                "schema": type(aggregate).snapshot_schema,
                "version": aggregate.version,
                "state": aggregate.snapshot_state(),
            },
        )


#: What a later outcome of the same command replaces (not when it was first recorded).
_RECORD_UPDATES = [
    "command_type",
    "stream_id",
    "payload",
    "cause_id",
    "correlation_id",
    "actor",
    "outcome",
    "error_code",
    "error_message",
]


def _record(command: Command, outcome: str, error: ApplicationError | None = None) -> None:
    """Record the command's outcome: one upsert (a command refused before may be accepted when retried)."""
    record = CommandRecord(
        command_id=command.command_id,
        command_type=command.type,
        stream_id=command.stream_id,
        payload=command.payload,
        cause_id=command.cause_id,
        correlation_id=command.correlation,
        actor=command.actor,
        outcome=outcome,
        error_code=error.code if error else "",
        error_message=error.message if error else "",
    )
    CommandRecord.objects.bulk_create(
        [record], update_conflicts=True, unique_fields=["command_id"], update_fields=_RECORD_UPDATES
    )


def _already_accepted(command: Command) -> list[RecordedEvent] | None:
    """The events of an earlier run of this very command (a retried delivery), if it was accepted."""
    accepted = CommandRecord.objects.filter(command_id=command.command_id, outcome=CommandRecord.Outcome.ACCEPTED)
    if not accepted.exists():
        return None
    return store.events_caused_by(command.command_id)


def dispatch(command: Command) -> list[RecordedEvent]:
    """Run a command through its aggregate and return the events it recorded (none if nothing changed).

    Raises ``CommandRejected`` when a rule refuses it (recorded, nothing appended) and
    ``ConcurrencyError`` when the stream kept changing under every retry.
    """
    aggregate_class = aggregate_for(command.type)
    if (earlier := _already_accepted(command)) is not None:
        return earlier
    # Inside an outer transaction a conflict cannot be retried here: the outer block must restart.
    attempts = 1 if connection.in_atomic_block else settings.EVENTSTORE_COMMAND_RETRIES
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                aggregate = load(aggregate_class, command.stream_id)
                loaded_version = aggregate.version
                new_events = aggregate.execute(command)
                if not new_events:
                    return []
                recorded = store.append(
                    command.stream_id,
                    new_events,
                    expected_version=loaded_version,
                    causation=Causation(command.correlation, command.command_id, command.actor),
                )
                aggregate.version = loaded_version + len(recorded)
                _record(command, CommandRecord.Outcome.ACCEPTED)
                _snapshot_if_due(aggregate, len(recorded))
                return recorded
        except CommandRejected as rejection:
            _record(command, CommandRecord.Outcome.REJECTED, rejection)
            raise
        except store.ConcurrencyError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
