"""Appending to and reading from the event store.

Both run as hand-written SQL: appending is the hot path of every webhook and every command, and
catch-up reading must stream tens of thousands of events a second, so neither goes through the ORM.

Read order. On PostgreSQL, positions come from a sequence, so a later position can commit before
an earlier one. Each row therefore records the id of the transaction that wrote it (``tx``), and
readers only take rows whose transaction is older than every transaction still running
(``pg_snapshot_xmin``), in ``(tx, position)`` order. Rows behind that horizon can no longer change,
so a cursor never passes an event that may still appear. To keep each stream's events in stream
order under that ordering, an append is refused (as a concurrency conflict, to be retried) when the
stream was last written by a newer transaction than the appending one. On SQLite writers are
serialised, ``tx`` is 0 and the order is simply the position.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.eventstore import schema

TABLE = "eventstore_eventrecord"
COLUMNS = (
    "position, tx, stream_id, stream_version, event_type, schema_version, data, event_id, cause_id, "
    "correlation_id, actor, recorded_at"
)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended: its type, its data and the id that makes retries idempotent."""

    type: str
    data: dict[str, Any]
    event_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True, slots=True)
class Causation:
    """Why events are appended: the command or event that caused them and the root request."""

    correlation_id: UUID
    cause_id: UUID | None = None
    actor: str = ""


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    position: int
    tx: int
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    event_id: UUID
    cause_id: UUID | None
    correlation_id: UUID
    actor: str
    recorded_at: datetime


class ConcurrencyError(Exception):
    """The stream is not at the version the writer expected; nothing was written."""

    def __init__(self, stream_id: str, expected: int | None, actual: int | None, reason: str = ""):
        self.stream_id, self.expected, self.actual = stream_id, expected, actual
        detail = reason or f"expected version {expected}, found {'a newer one' if actual is None else actual}"
        super().__init__(f"Stream {stream_id!r} changed concurrently: {detail}.")


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _uuid_param(value: UUID | None) -> Any:
    if value is None or connection.features.has_native_uuid_field:
        return value
    return value.hex


def _as_uuid(value: Any) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    return UUID(value)


def _as_datetime(value: Any) -> datetime:
    if not isinstance(value, datetime):
        value = parse_datetime(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _row_to_event(row: Sequence[Any]) -> RecordedEvent:
    event_type, version, data = row[4], row[5], json.loads(row[6])
    data, version = schema.upcast(event_type, version, data)
    return RecordedEvent(
        position=row[0],
        tx=row[1],
        stream_id=row[2],
        stream_version=row[3],
        type=event_type,
        schema_version=version,
        data=data,
        event_id=_as_uuid(row[7]),
        cause_id=_as_uuid(row[8]),
        correlation_id=_as_uuid(row[9]),
        actor=row[10],
        recorded_at=_as_datetime(row[11]),
    )


def _insert_sql(rows: int, *, check_version: bool) -> str:
    if _is_postgresql():
        tx, cast = "pg_current_xact_id()::text::bigint", {"i": "::int", "j": "::jsonb", "u": "::uuid"}
    else:
        tx, cast = "0", {"i": "", "j": "", "u": ""}
    value_row = f"(%s{cast['i']}, %s, %s{cast['i']}, %s{cast['j']}, %s{cast['u']})"
    return (
        f"WITH last AS (SELECT stream_version, tx FROM {TABLE} WHERE stream_id = %s "
        "ORDER BY stream_version DESC LIMIT 1), "
        "head AS (SELECT coalesce((SELECT stream_version FROM last), 0) AS version, "
        "coalesce((SELECT tx FROM last), 0) AS tx) "
        f"INSERT INTO {TABLE} (tx, stream_id, stream_version, event_type, schema_version, data, event_id, "
        "cause_id, correlation_id, actor, recorded_at) "
        f"SELECT {tx}, %s, head.version + new.column1, new.column2, new.column3, new.column4, new.column5, "
        f"%s{cast['u']}, %s{cast['u']}, %s, %s "
        f"FROM head, (VALUES {', '.join([value_row] * rows)}) AS new "
        f"WHERE {'head.version = %s' if check_version else 'TRUE'} AND head.tx <= {tx} "
        "ON CONFLICT (event_id) DO NOTHING RETURNING stream_version, position, tx"
    )


def append(
    stream_id: str,
    events: Sequence[NewEvent],
    *,
    expected_version: int | None = None,
    causation: Causation | None = None,
) -> list[RecordedEvent]:
    """Append ``events`` to a stream atomically and return them as recorded.

    ``expected_version`` is the stream's current version as the writer saw it (0: the stream must
    not exist yet; None: no check). A mismatch raises ``ConcurrencyError`` and writes nothing. A
    batch whose event ids are already stored is a no-op that returns the stored events, so a
    retried request does not record anything twice. Subscribers are woken once the transaction
    commits.
    """
    if not events:
        return []
    causation = causation or Causation(correlation_id=events[0].event_id)
    now = timezone.now()
    params: list[Any] = [stream_id, stream_id]
    params += [
        _uuid_param(causation.cause_id),
        _uuid_param(causation.correlation_id),
        causation.actor,
        connection.ops.adapt_datetimefield_value(now),
    ]
    for number, event in enumerate(events, start=1):
        params += [
            number,
            event.type,
            schema.current_version(event.type),
            json.dumps(event.data, separators=(",", ":")),
            _uuid_param(event.event_id),
        ]
    if expected_version is not None:
        params.append(expected_version)
    try:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(_insert_sql(len(events), check_version=expected_version is not None), params)
            inserted = cursor.fetchall()
    except IntegrityError as exc:
        # Another writer took the same stream version first (the unique constraint caught it).
        raise ConcurrencyError(stream_id, expected_version, None) from exc
    if len(inserted) == len(events):
        from apps.eventstore.subscriptions import wake_subscribers_on_commit

        wake_subscribers_on_commit()
        return [
            RecordedEvent(
                position=position,
                tx=tx,
                stream_id=stream_id,
                stream_version=version,
                type=event.type,
                schema_version=schema.current_version(event.type),
                data=event.data,
                event_id=event.event_id,
                cause_id=causation.cause_id,
                correlation_id=causation.correlation_id,
                actor=causation.actor,
                recorded_at=now,
            )
            for event, (version, position, tx) in zip(events, sorted(inserted), strict=True)
        ]
    return _explain_refused_append(stream_id, events, expected_version, inserted)


def _explain_refused_append(
    stream_id: str, events: Sequence[NewEvent], expected_version: int | None, inserted: list
) -> list[RecordedEvent]:
    stored = events_by_id([event.event_id for event in events])
    if len(stored) == len(events) and not inserted:
        return [stored[event.event_id] for event in events]
    if inserted:
        raise ValueError("Part of this batch was appended before: a batch is appended whole or not at all.")
    actual = stream_version(stream_id)
    if expected_version is not None and actual != expected_version:
        raise ConcurrencyError(stream_id, expected_version, actual)
    raise ConcurrencyError(stream_id, expected_version, actual, "a newer transaction wrote it; retry")


def stream_version(stream_id: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(stream_version) FROM {TABLE} WHERE stream_id = %s", [stream_id])
        return cursor.fetchone()[0] or 0


def events_by_id(event_ids: Sequence[UUID]) -> dict[UUID, RecordedEvent]:
    placeholders = ", ".join(["%s"] * len(event_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COLUMNS} FROM {TABLE} WHERE event_id IN ({placeholders})",
            [_uuid_param(event_id) for event_id in event_ids],
        )
        return {event.event_id: event for event in map(_row_to_event, cursor.fetchall())}


def events_caused_by(cause_id: UUID) -> list[RecordedEvent]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM {TABLE} WHERE cause_id = %s ORDER BY position", [_uuid_param(cause_id)])
        return [_row_to_event(row) for row in cursor.fetchall()]


def read_stream(stream_id: str, *, after_version: int = 0, limit: int | None = None) -> list[RecordedEvent]:
    sql = f"SELECT {COLUMNS} FROM {TABLE} WHERE stream_id = %s AND stream_version > %s ORDER BY stream_version"
    params: list[Any] = [stream_id, after_version]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_row_to_event(row) for row in cursor.fetchall()]


def read_after(last_tx: int, last_position: int, *, limit: int) -> list[RecordedEvent]:
    """The next events in read order after a cursor, never past one that may still commit."""
    horizon = ""
    if _is_postgresql():
        # Settled rows, plus the reader's own when no older transaction is still running.
        horizon = (
            " AND (tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
            " OR tx = pg_current_xact_id_if_assigned()::text::bigint"
            " AND tx = pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COLUMNS} FROM {TABLE} WHERE (tx, position) > (%s, %s){horizon} ORDER BY tx, position LIMIT %s",
            [last_tx, last_position, limit],
        )
        return [_row_to_event(row) for row in cursor.fetchall()]


def read_all(*, batch_size: int = 2000) -> Iterator[RecordedEvent]:
    """Every settled event in read order, batch by batch."""
    cursor = (0, 0)
    while batch := read_after(*cursor, limit=batch_size):
        yield from batch
        cursor = (batch[-1].tx, batch[-1].position)
