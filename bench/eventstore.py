"""Event store benchmark: Junction's store against the eventsourcing library's PostgreSQL recorder.

Run it with ``DATABASE_URL=postgres://... .venv/bin/python -m bench eventstore``. It creates a scratch
database next to the one in ``DATABASE_URL`` (``BENCH_DB``, default ``junction_bench``), applies the
migrations, measures, prints a table and drops the scratch database.

Workloads, each run for Junction (``apps.eventstore.store.append`` / ``read_after``) and for the peer,
``eventsourcing.postgres.PostgresApplicationRecorder`` (the eventsourcing recorder that keeps a global
notification order, made by its ``PostgresFactory`` in the same database, in its own table):

- single appends: one event per append, each append its own transaction, into streams of 10 events
  with optimistic concurrency (Junction: ``expected_version``; the peer: the next
  ``originator_version`` under its primary key);
- batch appends: ``BENCH_BATCH_SIZE`` events per append, each batch a new stream;
- both with 1 and with several concurrent writers (``BENCH_WRITERS``), each writer a separate
  process with its own connection, as web processes are;
- the feed: the whole store over HTTP from the web server, ``GET /api/v1/events`` in pages of 1,000,
  as an outside consumer reads it (Junction only: the peer has no HTTP feed);
- catch-up reading: the whole store from the start in batches of ``EVENTSTORE_BATCH_SIZE``
  (Junction: ``read_after`` from (0, 0), then ``run_subscription`` with a no-op handler; the peer:
  ``select_notifications``). Both sides JSON-encode every payload when appending and decode it
  when reading.

The machine may be shared, so each append workload runs in ``BENCH_ROUNDS`` rounds that alternate
Junction and the peer (and which of them goes first); reads alternate too. Rates are total events
over total time. WAL per event is measured from the server's WAL position, so it is approximate
when other databases on the same server are busy.

Sizes come from environment variables: ``BENCH_SINGLE_APPENDS`` (20000), ``BENCH_BATCHES`` (400),
``BENCH_BATCH_SIZE`` (100), ``BENCH_READ_EVENTS`` (200000: both stores are filled up to this before
reading), ``BENCH_READ_PASSES`` (2), ``BENCH_WRITERS`` ("1,8"), ``BENCH_ROUNDS`` (4) and
``BENCH_PEER_DB_FUNCTIONS`` ("y": the peer inserts through its PL/pgSQL function, its fastest path
and the one its own speed runs use; "n" for its default pipelined path).
"""

import contextlib
import json
import multiprocessing
import os
import sys
import time
import traceback
import uuid
from urllib.parse import urlsplit, urlunsplit

SCRATCH_DB = os.environ.get("BENCH_DB", "junction_bench")
SINGLE_APPENDS = int(os.environ.get("BENCH_SINGLE_APPENDS", "20000"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "400"))
BATCH_SIZE = int(os.environ.get("BENCH_BATCH_SIZE", "100"))
READ_EVENTS = int(os.environ.get("BENCH_READ_EVENTS", "200000"))
READ_PASSES = int(os.environ.get("BENCH_READ_PASSES", "2"))
WRITERS = sorted({int(n) for n in os.environ.get("BENCH_WRITERS", "1,8").split(",") if n.strip()})
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
PEER_DB_FUNCTIONS = os.environ.get("BENCH_PEER_DB_FUNCTIONS", "y")

SIDES = ("junction", "peer")
STREAM_LENGTH = 10  # single appends go to streams of this many events
EVENT_TYPE = "Bench.OrderPlaced"
PEER_TOPIC = "bench:OrderPlaced"
PEER_NAME = "bench_peer"  # the peer's table: bench_peer_events
FILL_BATCH = 500

#: A typical webhook payload (about 300 bytes of JSON).
PAYLOAD = {
    "order_id": "ORD-2026-000123",
    "status": "placed",
    "amount": "149.90",
    "currency": "EUR",
    "customer": {"id": "CUS-88412", "email": "ada@example.com", "name": "Ada Lovelace"},
    "lines": [
        {"sku": "SKU-1001", "qty": 2, "price": "49.95"},
        {"sku": "SKU-2002", "qty": 1, "price": "50.00"},
    ],
    "source": "shop",
}

GOAL_APPEND_RATIO = 1.5
GOAL_READ_RATE = 50_000
GOAL_FEED_RATE = 20_000
FEED_PAGE = 1000


# --- Setup -------------------------------------------------------------------------------------


def _db_config(url: str) -> dict:
    import environ

    return environ.Env.db_url_config(url)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _admin(url: str, sql: str) -> None:
    """Run one statement on the server of ``url`` outside any transaction (CREATE/DROP DATABASE)."""
    import psycopg

    config = _db_config(url)
    with psycopg.connect(
        dbname=config["NAME"],
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _peer(*, create_table: bool = False):
    """The peer's factory and application recorder, configured through its environment variables."""
    from eventsourcing.postgres import PostgresFactory
    from eventsourcing.utils import Environment

    config = _db_config(os.environ["DATABASE_URL"])
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": config["NAME"],
        "POSTGRES_HOST": config["HOST"] or "127.0.0.1",
        "POSTGRES_PORT": str(config["PORT"] or 5432),
        "POSTGRES_USER": config["USER"],
        "POSTGRES_PASSWORD": config["PASSWORD"],
        # One connection per process, like Junction's one Django connection per process.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_ENABLE_DB_FUNCTIONS": PEER_DB_FUNCTIONS,
        "CREATE_TABLE": "y" if create_table else "n",
    }
    factory = PostgresFactory(Environment(name=PEER_NAME, env=env))
    return factory, factory.application_recorder()


# --- Append workloads (run in writer processes) ----------------------------------------------


def _junction_appends(prefix: str, appends: int, per_append: int) -> int:
    from apps.eventstore.store import NewEvent, append

    if per_append == 1:
        streams = [f"{prefix}-{n}" for n in range(appends // STREAM_LENGTH + 1)]
        for k in range(appends):
            stream, version = divmod(k, STREAM_LENGTH)
            append(streams[stream], [NewEvent(EVENT_TYPE, dict(PAYLOAD, n=k))], expected_version=version)
    else:
        streams = [f"{prefix}-{n}" for n in range(appends)]
        for k in range(appends):
            events = [NewEvent(EVENT_TYPE, dict(PAYLOAD, n=i)) for i in range(per_append)]
            append(streams[k], events, expected_version=0)
    return appends * per_append


def _peer_appends(recorder, appends: int, per_append: int) -> int:
    from eventsourcing.persistence import StoredEvent

    def state(n: int) -> bytes:
        return json.dumps(dict(PAYLOAD, n=n), separators=(",", ":")).encode()

    if per_append == 1:
        streams = [uuid.uuid4() for _ in range(appends // STREAM_LENGTH + 1)]
        for k in range(appends):
            stream, version = divmod(k, STREAM_LENGTH)
            recorder.insert_events([StoredEvent(streams[stream], version + 1, PEER_TOPIC, state(k))])
    else:
        streams = [uuid.uuid4() for _ in range(appends)]
        for k in range(appends):
            recorder.insert_events([StoredEvent(streams[k], i + 1, PEER_TOPIC, state(i)) for i in range(per_append)])
    return appends * per_append


def _writer(pipe) -> None:
    """A writer process: set up once, then run the jobs it is sent, each from the time it is given."""
    try:
        _setup_django()
        from django.db import connection

        from apps.eventstore import store

        _, recorder = _peer()
        connection.ensure_connection()
        store.stream_version("warm-up")
        recorder.max_notification_id()
    except Exception:
        pipe.send(("error", traceback.format_exc()))
        return
    pipe.send(("ready", None))
    while (job := pipe.recv()) is not None:
        side, prefix, appends, per_append, start_at = job
        try:
            time.sleep(max(0.0, start_at - time.monotonic()))
            started = time.monotonic()
            if side == "junction":
                events = _junction_appends(prefix, appends, per_append)
            else:
                events = _peer_appends(recorder, appends, per_append)
            pipe.send(("done", (started, time.monotonic(), events)))
        except Exception:
            pipe.send(("error", traceback.format_exc()))


class Writers:
    """Writer processes, spawned (so none inherits a connection or a pool thread) and kept for all runs."""

    def __init__(self, count: int):
        context = multiprocessing.get_context("spawn")
        self.pipes, self.processes = [], []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_writer, args=(theirs,), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)
        for pipe in self.pipes:
            self._receive(pipe)

    @staticmethod
    def _receive(pipe):
        status, value = pipe.recv()
        if status == "error":
            raise RuntimeError(f"a writer process failed:\n{value}")
        return value

    def run(self, side: str, run: str, writers: int, appends: int, per_append: int) -> tuple[int, float]:
        """Split ``appends`` among ``writers`` processes started together; return (events, seconds)."""
        start_at = time.monotonic() + 0.1
        for i in range(writers):
            share = appends // writers + (i < appends % writers)
            self.pipes[i].send((side, f"{run}-w{i}", share, per_append, start_at))
        results = [self._receive(self.pipes[i]) for i in range(writers)]
        return sum(r[2] for r in results), max(r[1] for r in results) - min(r[0] for r in results)

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()


def _wal_position() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
        return cursor.fetchone()[0]


def _compare_appends(writers: Writers, count: int, appends: int, per_append: int) -> dict:
    """Both sides in alternating rounds; per side: (events per second, WAL bytes per event)."""
    totals = {side: [0, 0.0, 0] for side in SIDES}
    for round_ in range(ROUNDS):
        share = appends // ROUNDS + (round_ < appends % ROUNDS)
        for side in SIDES if round_ % 2 == 0 else SIDES[::-1]:
            wal = _wal_position()
            events, seconds = writers.run(side, f"{per_append}x{count}r{round_}", count, share, per_append)
            totals[side][0] += events
            totals[side][1] += seconds
            totals[side][2] += _wal_position() - wal
    return {side: (events / seconds, wal / events) for side, (events, seconds, wal) in totals.items()}


# --- Reading (in this process) ----------------------------------------------------------------


def _fill(recorder, target: int) -> tuple[int, int]:
    """Append untimed batches to both stores until each holds ``target`` events; return the counts."""
    from apps.eventstore.models import EventRecord

    missing = target - EventRecord.objects.count()
    if missing > 0:
        _junction_appends(f"fill-{uuid.uuid4().hex[:8]}", -(-missing // FILL_BATCH), FILL_BATCH)
    missing = target - _peer_count(recorder)
    if missing > 0:
        _peer_appends(recorder, -(-missing // FILL_BATCH), FILL_BATCH)
    return EventRecord.objects.count(), _peer_count(recorder)


def _peer_count(recorder) -> int:
    with recorder.datastore.get_connection() as conn:
        return conn.execute(f"SELECT count(*) AS n FROM {recorder.events_table_name}").fetchone()["n"]


def _junction_read(batch_size: int) -> int:
    from apps.eventstore.store import read_after

    total, cursor = 0, (0, 0)
    while batch := read_after(*cursor, limit=batch_size):
        total += len(batch)
        cursor = (batch[-1].tx, batch[-1].position)
    return total


def _junction_subscription_read(batch_size: int) -> int:
    from apps.eventstore import subscriptions

    subscriptions.subscriber("bench.noop")(lambda event: None)
    try:
        subscriptions.reset_subscription("bench.noop")
        return subscriptions.run_subscription("bench.noop", batch_size=batch_size)
    finally:
        subscriptions.unregister("bench.noop")


def _feed_reader(url: str):
    """A system allowed to read the event log, and the web server as `make run` starts it (one process)
    on the scratch database; yields a function that reads the whole feed over HTTP (one keep-alive
    connection, pages of ``FEED_PAGE``, each decoded) and returns the number of events read."""
    import orjson
    import requests

    from apps.eventlog.models import LogAccess
    from apps.hub.models import System
    from apps.hub.services import api_key_create
    from bench._support import bench_env, free_port, web_server

    system = System.objects.create(name=f"Bench lake {uuid.uuid4().hex[:6]}", role=System.Role.PRODUCER)
    LogAccess.objects.create(system=system)
    key = api_key_create(system=system, name="bench")[1]
    port = free_port()
    env = bench_env(DATABASE_URL=url, EVENTSTORE_WAKE_SUBSCRIBERS="False")

    @contextlib.contextmanager
    def reader():
        with web_server(env, port, workers=1), requests.Session() as session:
            session.headers["X-API-Key"] = key

            def read() -> int:
                total, after = 0, 0
                while True:
                    page = session.get(f"http://127.0.0.1:{port}/api/v1/events",
                                       params={"after": after, "limit": FEED_PAGE}, timeout=60)  # fmt: skip
                    page.raise_for_status()
                    body = orjson.loads(page.content)
                    total += len(body["events"])
                    after = body["next"]
                    if not body["has_more"]:
                        return total

            yield read

    return reader()


def _peer_read(recorder, batch_size: int) -> int:
    total, start = 0, 0
    while batch := recorder.select_notifications(start, batch_size, inclusive_of_start=False):
        for notification in batch:
            json.loads(notification.state)
        total += len(batch)
        start = batch[-1].id
    return total


def _compare_reads(reads: dict) -> dict[str, float]:
    """Each reader ``READ_PASSES`` times, alternating; per reader: events per second."""
    totals = {name: [0, 0.0] for name in reads}
    for pass_ in range(READ_PASSES):
        for name in list(reads) if pass_ % 2 == 0 else list(reads)[::-1]:
            started = time.monotonic()
            totals[name][0] += reads[name]()
            totals[name][1] += time.monotonic() - started
    return {name: events / seconds for name, (events, seconds) in totals.items()}


# --- Report -----------------------------------------------------------------------------------


def _print_table(rows: list[tuple[str, float, float | None, str]], notes: list[str]) -> None:
    headers = ("workload", "Junction ev/s", "peer ev/s", "ratio", "WAL B/ev (Junction / peer)")
    cells = [
        (
            name,
            f"{ours:,.0f}",
            "—" if peer is None else f"{peer:,.0f}",
            "—" if peer is None else f"{ours / peer:.2f}x",
            wal,
        )
        for name, ours, peer, wal in rows
    ]
    widths = [max(len(row[i]) for row in [headers, *cells]) for i in range(len(headers))]

    def line(row):
        return "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))

    print(line(headers))
    print("  ".join("-" * width for width in widths))
    for row in cells:
        print(line(row))
    print()
    for note in notes:
        print(note)


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url or _db_config(url)["ENGINE"] != "django.db.backends.postgresql":
        print(
            "bench eventstore: DATABASE_URL must point at PostgreSQL, e.g. "
            "DATABASE_URL=postgres://junction:junction@127.0.0.1:5432/junction; "
            f"got {url or 'nothing'!r}. Nothing was measured."
        )
        return

    def progress(message: str) -> None:
        print(f"bench eventstore: {message}", file=sys.stderr, flush=True)

    # Appends must not enqueue Celery tasks: this measures the store, not the broker.
    os.environ["EVENTSTORE_WAKE_SUBSCRIBERS"] = "False"
    _admin(url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    _admin(url, f'CREATE DATABASE "{SCRATCH_DB}"')
    os.environ["DATABASE_URL"] = _with_database(url, SCRATCH_DB)
    writers = factory = None
    try:
        _setup_django()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        if connection.settings_dict["NAME"] != SCRATCH_DB:  # Django was set up before this ran
            connection.close()
            connection.settings_dict["NAME"] = SCRATCH_DB
        settings.EVENTSTORE_WAKE_SUBSCRIBERS = False
        progress(f"migrating {SCRATCH_DB} …")
        call_command("migrate", verbosity=0)
        factory, recorder = _peer(create_table=True)

        started = time.monotonic()
        progress(f"starting {max(WRITERS)} writer processes …")
        writers = Writers(max(WRITERS))
        rows: list[tuple[str, float, float | None, str]] = []
        for label, appends, per_append in (
            ("single appends (1 event/append)", SINGLE_APPENDS, 1),
            (f"batch appends ({BATCH_SIZE} events/append)", BATCHES, BATCH_SIZE),
        ):
            for count in WRITERS:
                name = f"{label}, {count} writer{'s' if count > 1 else ''}"
                progress(f"{name} …")
                result = _compare_appends(writers, count, appends, per_append)
                wal = f"{result['junction'][1]:,.0f} / {result['peer'][1]:,.0f}"
                rows.append((name, result["junction"][0], result["peer"][0], wal))
        writers.close()
        writers = None

        progress(f"filling both stores up to {READ_EVENTS:,} events …")
        ours_total, peer_total = _fill(recorder, READ_EVENTS)
        batch = settings.EVENTSTORE_BATCH_SIZE
        progress(f"reading {ours_total:,} and {peer_total:,} events, {READ_PASSES} passes each …")
        with _feed_reader(os.environ["DATABASE_URL"]) as feed_read:
            rates = _compare_reads(
                {
                    "read_after": lambda: _junction_read(batch),
                    "peer": lambda: _peer_read(recorder, batch),
                    "run_subscription": lambda: _junction_subscription_read(batch),
                    "feed": feed_read,
                }
            )
        read_rate = rates["read_after"]
        rows.append((f"catch-up read, read_after ({batch}/batch)", read_rate, rates["peer"], "—"))
        rows.append((f"catch-up read, run_subscription ({batch}/batch)", rates["run_subscription"], None, "—"))
        rows.append((f"feed over HTTP, GET /api/v1/events ({FEED_PAGE}/page)", rates["feed"], None, "—"))
        elapsed = time.monotonic() - started

        append_rows = [(name, ours / peer) for name, ours, peer, _ in rows if peer and "append" in name]
        misses = [(name, ratio) for name, ratio in append_rows if ratio < GOAL_APPEND_RATIO]
        server = connection.cursor().connection.info.server_version
        notes = [
            f"PostgreSQL {server // 10000}.{server % 10000} on {os.cpu_count()} CPUs, scratch database "
            f"{SCRATCH_DB} (dropped afterwards), {elapsed:.0f} s. Writers are separate processes, each with "
            f"its own connection; each append workload ran in {ROUNDS} rounds alternating the two stores.",
            "EVENTSTORE_WAKE_SUBSCRIBERS=False: appends enqueue no Celery task (this measures the store, not "
            "the broker).",
            f"Peer: eventsourcing {_version('eventsourcing')} PostgresApplicationRecorder from PostgresFactory "
            f"(table {PEER_NAME}_events, a pool of 1 connection per process, "
            f"POSTGRES_ENABLE_DB_FUNCTIONS={PEER_DB_FUNCTIONS}).",
            f"Sizes: {SINGLE_APPENDS:,} single appends and {BATCHES:,} batches of {BATCH_SIZE} per workload; "
            f"reads of {ours_total:,} (Junction) and {peer_total:,} (peer) events.",
            "WAL B/ev: WAL written per appended event, from the server's WAL position (approximate if other "
            "databases on the server are busy).",
            "",
            f"Goal: appends ≥ {GOAL_APPEND_RATIO}x the peer: "
            + (
                "MET in every append workload."
                if not misses
                else f"NOT MET in {len(misses)} of {len(append_rows)} append workloads ("
                + "; ".join(f"{name}: {ratio:.2f}x" for name, ratio in misses)
                + ")."
            ),
            f"Goal: catch-up read ≥ {GOAL_READ_RATE:,} ev/s: "
            + ("MET" if read_rate >= GOAL_READ_RATE else "NOT MET")
            + f" ({read_rate:,.0f} ev/s through read_after).",
            f"Goal: the feed over HTTP ≥ {GOAL_FEED_RATE:,} ev/s: "
            + ("MET" if rates["feed"] >= GOAL_FEED_RATE else "NOT MET")
            + f" ({rates['feed']:,.0f} ev/s: one web process as `make run` starts it, one client on one "
            "keep-alive connection decoding every page; the web server and the client share the machine).",
        ]
        _print_table(rows, notes)
    finally:
        if writers is not None:
            writers.close()
        if factory is not None:
            factory.close()
        from django.db import connections

        connections.close_all()
        os.environ["DATABASE_URL"] = url
        _admin(url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)
