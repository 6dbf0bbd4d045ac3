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

Speed on PostgreSQL (``python -m bench eventstore`` measures it). Statements run through a psycopg
cursor that binds parameters on the server and prepares the statement on first use (Django's
default cursor quotes parameters into the SQL text in Python and never prepares, and planning the
append costs more than executing it), still wrapped by Django for error translation, query logging
and execute wrappers. An append outside any transaction is its single statement in autocommit: one
round trip instead of BEGIN, INSERT, COMMIT. The batch travels as one JSON array, so one prepared
text serves every batch size. Rows are read in binary format, decoded by psycopg's C loaders, where
that yields exactly what Django's loaders would.
"""

import gc
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from uuid import UUID, uuid4

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.eventstore import schema

TABLE = "eventstore_eventrecord"
COLUMNS = (
    "position, tx, stream_id, stream_version, event_type, schema_version, data, event_id, cause_id, "
    "correlation_id, actor, recorded_at"
)
#: PostgreSQL selects the payload as its text form (the same string in text or binary rows).
_PG_COLUMNS = COLUMNS.replace(" data,", " data::text,")


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


@cache
def _prepared_cursor_class() -> type:
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        """Binds parameters on the server and prepares each statement on its first execution.

        Django opens connections with ``prepare_threshold=None``, which turns preparing off for the
        whole connection; it is lifted only while this cursor executes, so the rest of the
        connection behaves as configured. psycopg keeps the statements (at most ``prepared_max``)
        and drops them on rollback.
        """

        def execute(self, query, params=None, *, prepare=True, binary=None):
            conn = self.connection
            threshold = conn.prepare_threshold
            if threshold is None:
                conn.prepare_threshold = 0
            try:
                return super().execute(query, params, prepare=prepare, binary=binary)
            finally:
                conn.prepare_threshold = threshold

    return PreparedCursor


def _pg_cursor(*, binary_rows: bool = False) -> Any:
    """A Django cursor over a psycopg 3 cursor that binds parameters server-side and prepares.

    Django's default psycopg 3 cursor quotes parameters into the SQL text in Python and never
    prepares: planning the append statement costs more than executing it. The Django wrapper keeps
    error translation, query logging and execute wrappers. With ``binary_rows``, rows come in
    binary format (read by psycopg's C loaders) when that gives exactly what Django's text loaders
    would: timestamps in ``datetime.UTC`` on both sides. Selects cast ``data`` to text for it, so
    payloads are still decoded here (with orjson).
    """
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:
        return connection.cursor()
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = _prepared_cursor_class()(connection.connection)
        if binary_rows and connection.timezone is UTC is connection.connection.info.timezone:
            cursor.format = Format.BINARY
    return connection._prepare_cursor(cursor)


def _columns() -> str:
    return _PG_COLUMNS if _is_postgresql() else COLUMNS


def _cursor(**options: Any) -> Any:
    return _pg_cursor(**options) if _is_postgresql() else connection.cursor()


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


def _loads(text: str) -> Any:
    """Decode a stored payload: orjson (decoding is most of the cost of reading the store), or the
    standard library for what orjson refuses (integers wider than 64 bits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _dumps(value: Any) -> str:
    """The JSON text stored for a payload: orjson (a batch's text is much of what receiving it costs),
    or the standard library for what orjson refuses (integers wider than 64 bits, keys that are not
    texts). UUIDs are written as their text."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), default=_uuid_text)


def _uuid_text(value: Any) -> str:
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Decoding a batch allocates thousands of containers, each allocation counting towards a run of the
    cyclic garbage collector that would walk every object of the process, Django's included; the
    payloads are trees with no cycles to find, so the collector waits until the batch is decoded
    (this halves the cost of reading the store)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rows_to_events(rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
    with _cycle_collector_paused():
        return _decode_rows(rows)


def _decode_rows(rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
    upcast, loads, events = schema.upcast, _loads, []
    for (
        position,
        tx,
        stream_id,
        stream_version,
        event_type,
        version,
        data,
        event_id,
        cause_id,
        correlation_id,
        actor,
        recorded_at,
    ) in rows:
        data, version = upcast(event_type, version, loads(data))
        events.append(
            RecordedEvent(
                position,
                tx,
                stream_id,
                stream_version,
                event_type,
                version,
                data,
                _as_uuid(event_id),
                _as_uuid(cause_id),
                _as_uuid(correlation_id),
                actor,
                _as_datetime(recorded_at),
            )
        )
    return events


def _insert_sql(rows: int, *, check_version: bool) -> str:
    """SQLite: the batch as a VALUES list (``_PG_INSERT`` is PostgreSQL's)."""
    value_row = "(%s, %s, %s, %s, %s)"
    return (
        f"WITH last AS (SELECT stream_version, tx FROM {TABLE} WHERE stream_id = %s "
        "ORDER BY stream_version DESC LIMIT 1), "
        "head AS (SELECT coalesce((SELECT stream_version FROM last), 0) AS version, "
        "coalesce((SELECT tx FROM last), 0) AS tx) "
        f"INSERT INTO {TABLE} (tx, stream_id, stream_version, event_type, schema_version, data, event_id, "
        "cause_id, correlation_id, actor, recorded_at) "
        "SELECT 0, %s, head.version + new.column1, new.column2, new.column3, new.column4, new.column5, "
        "%s, %s, %s, %s "
        f"FROM head, (VALUES {', '.join([value_row] * rows)}) AS new "
        f"WHERE {'head.version = %s' if check_version else 'TRUE'} AND head.tx <= 0 "
        "ON CONFLICT (event_id) DO NOTHING RETURNING stream_version, position, tx"
    )


def _pg_insert_sql(*, check_version: bool) -> str:
    """PostgreSQL: the batch as one JSON array, so one statement text (prepared) serves every batch."""
    tx = "pg_current_xact_id()::text::bigint"
    return (
        f"WITH last AS (SELECT stream_version, tx FROM {TABLE} WHERE stream_id = %s "
        "ORDER BY stream_version DESC LIMIT 1), "
        "head AS (SELECT coalesce((SELECT stream_version FROM last), 0) AS version, "
        "coalesce((SELECT tx FROM last), 0) AS tx) "
        f"INSERT INTO {TABLE} (tx, stream_id, stream_version, event_type, schema_version, data, event_id, "
        "cause_id, correlation_id, actor, recorded_at) "
        f"SELECT {tx}, %s, head.version + new.number, new.event ->> 'type', (new.event ->> 'version')::int, "
        "new.event -> 'data', (new.event ->> 'id')::uuid, %s::uuid, %s::uuid, %s, %s::timestamptz "
        "FROM head, jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS new (event, number) "
        f"WHERE {'head.version = %s::int' if check_version else 'TRUE'} AND head.tx <= {tx} "
        "ORDER BY new.number "
        "ON CONFLICT (event_id) DO NOTHING RETURNING stream_version, position, tx"
    )


_PG_INSERT = {check: _pg_insert_sql(check_version=check) for check in (False, True)}


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
    append = _Append(stream_id, events, causation, expected_version)
    # One statement is atomic by itself: on PostgreSQL in autocommit it runs alone, saving the round
    # trips of BEGIN and COMMIT; inside a transaction it joins it, as before.
    alone = append.postgresql and not connection.in_atomic_block and connection.get_autocommit()
    try:
        with nullcontext() if alone else transaction.atomic(savepoint=False), _cursor() as cursor:
            cursor.execute(append.sql, append.params)
            inserted = cursor.fetchall()
    except IntegrityError as exc:
        # Another writer took the same stream version first (the unique constraint caught it).
        raise ConcurrencyError(stream_id, expected_version, None) from exc
    return append.recorded(inserted, wake=True)


def append_many(appends: Sequence[tuple[str, Sequence[NewEvent], Causation]]) -> list[RecordedEvent]:
    """Append to many streams in the caller's transaction, each stream's events after its last ones
    (no version check): outcomes of many deliveries, say. On PostgreSQL the statements go out in one
    pipeline, not one round trip each."""
    batch = [_Append(stream_id, events, causation, None) for stream_id, events, causation in appends if events]
    if not batch:
        return []
    if not batch[0].postgresql:
        return [event for item in batch for event in append(item.stream_id, item.events, causation=item.causation)]
    inserted = []
    with transaction.atomic(savepoint=False), _cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.executemany(batch[0].sql, [item.params for item in batch], returning=True)
        inserted.append(cursor.cursor.fetchall())
        while cursor.cursor.nextset():
            inserted.append(cursor.cursor.fetchall())
    recorded = [event for item, rows in zip(batch, inserted, strict=True) for event in item.recorded(rows)]
    from apps.eventstore.subscriptions import wake_subscribers_on_commit

    wake_subscribers_on_commit({event.type for event in recorded})
    return recorded


_PG_START_STREAMS = (
    f"INSERT INTO {TABLE} (tx, stream_id, stream_version, event_type, schema_version, data, event_id, "
    "cause_id, correlation_id, actor, recorded_at) "
    "SELECT pg_current_xact_id()::text::bigint, new.e ->> 'stream', 1, new.e ->> 'type', "
    "(new.e ->> 'version')::int, new.e -> 'data', (new.e ->> 'id')::uuid, (new.e ->> 'cause')::uuid, "
    "(new.e ->> 'correlation')::uuid, new.e ->> 'actor', %s::timestamptz "
    "FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS new (e, number) ORDER BY new.number "
    "RETURNING event_id, position, tx"
)


def new_event_ids(count: int) -> list[UUID]:
    """``count`` random (version 4) UUIDs from one read of the system's randomness: reading it once per
    id, as ``uuid4`` does, costs more than the rest of receiving an event in a batch."""
    randomness = os.urandom(16 * count)
    return [UUID(bytes=randomness[16 * n : 16 * n + 16], version=4) for n in range(count)]


def start_streams(starts: Sequence[tuple[str, NewEvent, Causation]]) -> list[RecordedEvent]:
    """Start many streams, each with its one event, in the caller's transaction: a batch of received
    events. On PostgreSQL it is one statement whatever the batch's size. A stream that exists already
    raises ``ConcurrencyError`` and nothing is written."""
    if not starts:
        return []
    if not _is_postgresql():
        with transaction.atomic(savepoint=False):
            return [
                event
                for stream_id, event, causation in starts
                for event in append(stream_id, [event], expected_version=0, causation=causation)
            ]
    now = timezone.now()
    versions = {event.type: schema.current_version(event.type) for _, event, _ in starts}
    batch = [
        {
            "stream": stream_id, "type": event.type, "version": versions[event.type], "data": event.data,
            "id": event.event_id, "cause": causation.cause_id, "correlation": causation.correlation_id,
            "actor": causation.actor,
        }
        for stream_id, event, causation in starts
    ]  # fmt: skip
    try:
        with transaction.atomic(savepoint=False), _cursor() as cursor:
            cursor.execute(_PG_START_STREAMS, [now, _dumps(batch)])
            inserted = {event_id: (position, tx) for event_id, position, tx in cursor.fetchall()}
    except IntegrityError as exc:
        raise ConcurrencyError(starts[0][0], 0, None, "one of the streams exists already") from exc
    from apps.eventstore.subscriptions import wake_subscribers_on_commit

    wake_subscribers_on_commit(versions)
    return [
        RecordedEvent(
            *inserted[event.event_id], stream_id, 1, event.type, versions[event.type], event.data, event.event_id,
            causation.cause_id, causation.correlation_id, causation.actor, now,
        )
        for stream_id, event, causation in starts
    ]  # fmt: skip


class _Append:
    """One stream's append: its statement and parameters, and the events as recorded from its rows."""

    def __init__(
        self, stream_id: str, events: Sequence[NewEvent], causation: Causation | None, expected_version: int | None
    ) -> None:
        self.stream_id, self.events, self.expected_version = stream_id, events, expected_version
        self.causation = causation or Causation(correlation_id=events[0].event_id)
        self.now = timezone.now()
        self.versions = [schema.current_version(event.type) for event in events]
        self.postgresql = _is_postgresql()
        check_version = expected_version is not None
        causation = self.causation
        if self.postgresql:
            self.sql = _PG_INSERT[check_version]
            batch = [
                {"type": event.type, "version": version, "data": event.data, "id": event.event_id}
                for event, version in zip(events, self.versions, strict=True)
            ]
            self.params: list[Any] = [
                stream_id,
                stream_id,
                causation.cause_id,
                causation.correlation_id,
                causation.actor,
                self.now,
                _dumps(batch),
            ]
        else:
            self.sql = _insert_sql(len(events), check_version=check_version)
            self.params = [stream_id, stream_id]
            self.params += [
                _uuid_param(causation.cause_id),
                _uuid_param(causation.correlation_id),
                causation.actor,
                connection.ops.adapt_datetimefield_value(self.now),
            ]
            for number, (event, version) in enumerate(zip(events, self.versions, strict=True), start=1):
                payload = _dumps(event.data)
                self.params += [number, event.type, version, payload, _uuid_param(event.event_id)]
        if check_version:
            self.params.append(expected_version)

    def recorded(self, inserted: list, *, wake: bool = False) -> list[RecordedEvent]:
        """The events as recorded, or the reason none was (``ConcurrencyError``, an earlier identical append)."""
        events, causation = self.events, self.causation
        if len(inserted) != len(events):
            return _explain_refused_append(self.stream_id, events, self.expected_version, inserted)
        if wake:
            from apps.eventstore.subscriptions import wake_subscribers_on_commit

            wake_subscribers_on_commit(event.type for event in events)
        return [
            RecordedEvent(
                position,
                tx,
                self.stream_id,
                stream_version,
                event.type,
                version,
                event.data,
                event.event_id,
                causation.cause_id,
                causation.correlation_id,
                causation.actor,
                self.now,
            )
            for event, version, (stream_version, position, tx) in zip(
                events, self.versions, sorted(inserted), strict=True
            )
        ]


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
    with _cursor() as cursor:
        cursor.execute(f"SELECT max(stream_version) FROM {TABLE} WHERE stream_id = %s", [stream_id])
        return cursor.fetchone()[0] or 0


def last_position() -> int:
    """The highest position recorded so far (0 for an empty store): a cheap way to see that
    something was appended."""
    with _cursor() as cursor:
        cursor.execute(f"SELECT max(position) FROM {TABLE}")
        return cursor.fetchone()[0] or 0


def head() -> tuple[int, int]:
    """A read cursor ``(tx, position)`` at the newest event recorded so far, for a reader that only
    wants what comes next (``(0, 0)`` for an empty store)."""
    with _cursor() as cursor:
        cursor.execute(f"SELECT tx, position FROM {TABLE} ORDER BY tx DESC, position DESC LIMIT 1")
        row = cursor.fetchone()
        return (row[0], row[1]) if row else (0, 0)


def recorded_after(last_tx: int, last_position: int) -> bool:
    """Whether committed events lie after a cursor, readable yet or not (an older transaction may
    still be open: ``read_after`` then stops before them)."""
    with _cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE (tx, position) > (%s, %s))", [last_tx, last_position]
        )
        return bool(cursor.fetchone()[0])


def events_by_id(event_ids: Sequence[UUID]) -> dict[UUID, RecordedEvent]:
    placeholders = ", ".join(["%s"] * len(event_ids))
    with _cursor(binary_rows=True) as cursor:
        cursor.execute(
            f"SELECT {_columns()} FROM {TABLE} WHERE event_id IN ({placeholders})",
            [_uuid_param(event_id) for event_id in event_ids],
        )
        return {event.event_id: event for event in _rows_to_events(cursor.fetchall())}


def events_caused_by(cause_id: UUID) -> list[RecordedEvent]:
    with _cursor(binary_rows=True) as cursor:
        cursor.execute(
            f"SELECT {_columns()} FROM {TABLE} WHERE cause_id = %s ORDER BY position", [_uuid_param(cause_id)]
        )
        return _rows_to_events(cursor.fetchall())


def latest_of_type(event_type: str, *, limit: int) -> list[RecordedEvent]:
    """The newest events of a type, newest first (samples of what an event looks like)."""
    with _cursor(binary_rows=True) as cursor:
        cursor.execute(
            f"SELECT {_columns()} FROM {TABLE} WHERE event_type = %s ORDER BY position DESC LIMIT %s",
            [event_type, limit],
        )
        return _rows_to_events(cursor.fetchall())


def read_stream(stream_id: str, *, after_version: int = 0, limit: int | None = None) -> list[RecordedEvent]:
    sql = f"SELECT {_columns()} FROM {TABLE} WHERE stream_id = %s AND stream_version > %s ORDER BY stream_version"
    params: list[Any] = [stream_id, after_version]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with _cursor(binary_rows=True) as cursor:
        cursor.execute(sql, params)
        return _rows_to_events(cursor.fetchall())


def _after_sql(columns: str, pg_columns: str) -> tuple[str, str]:
    """The SQLite and PostgreSQL texts of "these columns of the next rows in read order after a cursor"."""
    sqlite = f"SELECT {columns} FROM {TABLE} WHERE (tx, position) > (%s, %s) ORDER BY tx, position LIMIT %s"
    # Settled rows, plus the reader's own when no older transaction is still running.
    postgresql = (
        f"SELECT {pg_columns} FROM {TABLE} WHERE (tx, position) > (%s::bigint, %s::bigint)"
        " AND (tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
        " OR tx = pg_current_xact_id_if_assigned()::text::bigint"
        " AND tx = pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
        " ORDER BY tx, position LIMIT %s"
    )
    return sqlite, postgresql


_READ_AFTER, _PG_READ_AFTER = _after_sql(COLUMNS, _PG_COLUMNS)
_SCAN_COLUMNS = "position, tx, event_type, stream_id, correlation_id"
_SCAN_AFTER, _PG_SCAN_AFTER = _after_sql(_SCAN_COLUMNS, _SCAN_COLUMNS)


def read_after(last_tx: int, last_position: int, *, limit: int) -> list[RecordedEvent]:
    """The next events in read order after a cursor, never past one that may still commit."""
    with _cursor(binary_rows=True) as cursor:
        cursor.execute(_PG_READ_AFTER if _is_postgresql() else _READ_AFTER, [last_tx, last_position, limit])
        return _rows_to_events(cursor.fetchall())


@dataclass(frozen=True, slots=True)
class Scanned:
    """What a filter looks at of an event, read without its payload."""

    position: int
    tx: int
    type: str
    stream_id: str
    correlation_id: UUID


def scan_after(last_tx: int, last_position: int, *, limit: int) -> list[Scanned]:
    """``read_after`` without the payloads: for readers that pick a few events out of many."""
    with _cursor() as cursor:
        cursor.execute(_PG_SCAN_AFTER if _is_postgresql() else _SCAN_AFTER, [last_tx, last_position, limit])
        return [Scanned(p, tx, t, s, _as_uuid(c)) for p, tx, t, s, c in cursor.fetchall()]


def events_at(positions: Sequence[int]) -> list[RecordedEvent]:
    """The events at these positions, in read order."""
    if not positions:
        return []
    if _is_postgresql():  # one prepared text for any number of positions
        condition, params = "position = ANY(%s::bigint[])", [list(positions)]
    else:
        condition, params = f"position IN ({', '.join(['%s'] * len(positions))})", list(positions)
    with _cursor(binary_rows=True) as cursor:
        cursor.execute(f"SELECT {_columns()} FROM {TABLE} WHERE {condition} ORDER BY tx, position", params)
        return _rows_to_events(cursor.fetchall())


def cursor_at(position: int) -> tuple[int, int] | None:
    """The read cursor just past the event at ``position``, or None when no event has that position."""
    with _cursor() as cursor:
        cursor.execute(f"SELECT tx FROM {TABLE} WHERE position = %s", [position])
        row = cursor.fetchone()
        return (row[0], position) if row else None


def read_all(*, batch_size: int = 2000) -> Iterator[RecordedEvent]:
    """Every settled event in read order, batch by batch."""
    cursor = (0, 0)
    while batch := read_after(*cursor, limit=batch_size):
        yield from batch
        cursor = (batch[-1].tx, batch[-1].position)
