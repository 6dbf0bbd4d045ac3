"""Delivery: how wide, lean and isolated one worker's delivery engine is, and the embedded default under load.

``DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… REDIS_URL=redis://… python -m bench delivery``

One run, one table. A loopback subscriber in a process of its own (``bench._subscriber``) answers at
once, after 200 ms, or never. On PostgreSQL + Redis with the web server (2 processes, 4 threads each) and one
Celery worker as ``make run`` starts it (2 pool processes, the engine in its main process):
- latency: events sent one at a time, webhook POST → subscriber (instant);
- width: BENCH_WIDTH_EVENTS queued while no worker runs, then one worker routes and delivers them
  all to the 200 ms subscriber (the action allows 200 in flight), next to a plain asyncio loop
  with 200 requests in flight against the same subscriber; worker CPU (all its processes) per delivery;
- isolation: a healthy endpoint's latency at 20 events/s, alone, then beside an endpoint that hangs
  until its 10 s timeout with 500 deliveries queued for it;
- recovery: a worker is SIGKILLed with deliveries in flight; another starts at once; time from the
  kill until every delivery arrived (DELIVERY_LEASE_SECONDS, 30 by default, then one sweep);
and then ``make run``'s own hub on the embedded default (SQLite, filesystem broker) at 50 events/s
for 60 s to the instant subscriber.
"""

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager

import requests

from bench import _support

WIDTH_EVENTS = int(os.environ.get("BENCH_WIDTH_EVENTS", 4000))
LATENCY_EVENTS = int(os.environ.get("BENCH_LATENCY_EVENTS", 200))
EMBEDDED_SECONDS = int(os.environ.get("BENCH_EMBEDDED_SECONDS", 60))
REPLAY_EXECUTIONS = int(os.environ.get("BENCH_REPLAY_EXECUTIONS", 50_000))

CONFIGURE = """
from apps.hub.models import Action, Contract, EventType, System
from apps.hub.services import api_key_create

shop = System.objects.create(name="Bench shop", role=System.Role.PRODUCER)
erp = System.objects.create(name="Bench ERP", role=System.Role.SUBSCRIBER)
for path, in_flight in (("instant", 10), ("slow", 200), ("hang", 10), ("healthy", 10)):
    event = EventType.objects.create(system=shop, name=f"to {path}", identifier=f"bench.{path}")
    url = "{base}/" + ("instant" if path == "healthy" else path)
    action = Action.objects.create(system=erp, name=path, url=url, body={"seq": "{{ $.body.seq }}"},
                                   max_in_flight=in_flight, max_tries=3, retry_base_seconds=60)
    Contract.objects.create(name=f"to {path}", event_type=event, action=action)
print(api_key_create(system=shop, name="bench")[1])
"""


class Subscriber:
    """The subscriber process and what it tells of arrivals."""

    def __init__(self) -> None:
        self.port = _support.free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    @contextmanager
    def running(self):
        proc = subprocess.Popen([sys.executable, "-m", "bench._subscriber", str(self.port)], cwd=_support.REPO)
        try:
            _wait_until(lambda: _get(f"{self.base}/count?path=/instant") is not None, 30)
            yield self
        finally:
            proc.terminate()
            proc.wait()

    def arrivals(self, path: str) -> dict[int, float]:
        return {int(seq): at for seq, at in _get(f"{self.base}/arrivals?path=/{path}").items()}

    def count(self, path: str) -> int:
        return _get(f"{self.base}/count?path=/{path}")


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return None


def _wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class Producer:
    """Sends events to the webhook and notes when each was sent (``time.time()``, the subscriber's clock)."""

    def __init__(self, port: int, key: str) -> None:
        self.url = f"http://127.0.0.1:{port}/api/v1/events/bench."
        self.key = key
        self.sent: dict[str, dict[int, float]] = {}
        self._local = threading.local()

    def send(self, path: str, seq: int) -> None:
        session = getattr(self._local, "session", None) or requests.Session()
        self._local.session = session
        sent = time.time()
        response = session.post(self.url + path, json={"seq": seq}, headers={"X-API-Key": self.key}, timeout=30)
        response.raise_for_status()
        self.sent.setdefault(path, {})[seq] = sent

    def burst(self, path: str, seqs: range, threads: int = 8) -> None:
        workers = [threading.Thread(target=lambda s=s: [self.send(path, q) for q in seqs[s::threads]])
                   for s in range(threads)]  # fmt: skip
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def paced(self, path: str, seqs: range, rate: float) -> None:
        """``rate`` events per second on schedule (a few senders, so a slow answer does not hold it back)."""
        start = time.monotonic()

        def run(part: range) -> None:
            for index, seq in zip(part, seqs[part.start :: part.step], strict=False):
                time.sleep(max(0.0, start + index / rate - time.monotonic()))
                self.send(path, seq)

        parts = [range(i, len(seqs), 4) for i in range(4)]
        workers = [threading.Thread(target=run, args=(part,)) for part in parts]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()


def _latencies(sent: dict[int, float], arrived: dict[int, float]) -> list[float]:
    return [(arrived[seq] - at) * 1000 for seq, at in sent.items() if seq in arrived]


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else float("nan")


@contextmanager
def _worker(env: dict[str, str]):
    """A worker as ``make run`` starts it, in a process group of its own (so it can be killed whole)."""
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING",
            "--concurrency", "2", "--without-mingle", "--without-gossip"]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=_support.REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


async def _asyncio_loop(url: str, total: int, in_flight: int) -> float:
    """The reference: a plain aiohttp loop keeping ``in_flight`` requests open until ``total`` are done."""
    import aiohttp

    queue = iter(range(total))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight)) as session:

        async def sender() -> None:
            for seq in queue:
                async with session.post(url, json={"seq": -1 - seq}) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(in_flight)))
        return total / (time.perf_counter() - started)


def _unfinished(database_url: str, action: str) -> int:
    """Executions of an action not completed yet."""
    sql = (
        "SELECT count(*) FROM delivery_execution e JOIN hub_action a ON a.id = e.action_id "
        f"WHERE a.name = '{action}' AND e.state <> 'completed'"
    )
    return int(_support._psql(database_url, sql))


def _replay_job_seconds(env: dict[str, str], database_url: str, count: int) -> float:
    """Seconds a replay job takes over ``count`` executions that gave up (made here in one statement)."""
    _support._psql(
        database_url,
        "INSERT INTO delivery_execution (id, event_id, event_type, correlation_id, contract_id, action_id, state, "
        "tries_count, next_attempt_at, last_error, chain_depth, event_position, ordering_key, created_at, updated_at) "
        "SELECT gen_random_uuid(), gen_random_uuid(), 'bench.slow', gen_random_uuid(), c.id, a.id, 'error', 1, now(), "
        "'HTTP 500', 0, 0, '', now() - g * interval '1 millisecond', now() "
        f"FROM generate_series(1, {count}) g, hub_action a JOIN hub_contract c ON c.action_id = a.id "
        "WHERE a.name = 'hang'",
    )
    script = (
        "import time\nfrom apps.delivery import services\nfrom apps.hub.models import Action\n"
        "job = services.replay_job_create(action=Action.objects.get(name='hang'), states=['error'])\n"
        "started = time.perf_counter()\nservices.replay_job_run(job.pk)\n"
        "job.refresh_from_db()\nassert job.replayed >= job.total, (job.replayed, job.total)\n"
        "print(time.perf_counter() - started)"
    )
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=_support.REPO, env=env,
                          check=True, capture_output=True, text=True)  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


def _configure(env: dict[str, str], base: str) -> str:
    script = CONFIGURE.replace("{base}", base)
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=_support.REPO, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"Could not configure the hub:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def distributed(subscriber: Subscriber, rows: list[tuple]) -> None:
    url = _support.postgres_url()
    with _support.scratch_database(url, "junction_bench_delivery") as scratch:
        env = _support.bench_env(DATABASE_URL=scratch, OUTBOUND_ALLOWED_NETWORKS="127.0.0.1/32")
        key = _configure(env, subscriber.base)
        port = _support.free_port()
        producer = Producer(port, key)
        with _support.web_server(env, port, workers=2, threads=4):
            # Width and CPU: everything queued first, then one worker routes and delivers it all.
            producer.burst("slow", range(WIDTH_EVENTS))
            with _worker(env) as worker:
                _wait_until(lambda: subscriber.count("slow") >= 1, 60)
                cpu_before, started = _support.cpu_seconds(worker.pid), time.time()
                _wait_until(lambda: subscriber.count("slow") >= WIDTH_EVENTS, 600)
                cpu = _support.cpu_seconds(worker.pid) - cpu_before
                arrived = subscriber.arrivals("slow")
                last = max(arrived.values())
                delivered = sum(1 for seq in range(WIDTH_EVENTS) if seq in arrived and arrived[seq] >= started)
                rate = delivered / (last - started)

                # Latency at an instant subscriber, one event at a time.
                for seq in range(LATENCY_EVENTS):
                    producer.send("instant", seq)
                    _wait_until(lambda s=seq: s in subscriber.arrivals("instant"), 10)
                latency = _latencies(producer.sent["instant"], subscriber.arrivals("instant"))

                # Isolation: a healthy endpoint alone, then beside a hanging one with 500 queued.
                producer.paced("healthy", range(10_000, 10_300), rate=20)
                time.sleep(1)
                alone = _latencies(producer.sent["healthy"], subscriber.arrivals("instant"))
                producer.burst("hang", range(500))
                producer.paced("healthy", range(20_000, 20_300), rate=20)
                time.sleep(1)
                beside_sent = {s: t for s, t in producer.sent["healthy"].items() if s >= 20_000}
                beside = _latencies(beside_sent, subscriber.arrivals("instant"))
                hanging_sent = subscriber.count("hang")
            # Recovery: SIGKILL with deliveries in flight, another worker starts at once.
            kill_events = range(100_000, 101_000)
            producer.burst("slow", kill_events)
            with _worker(env) as doomed:
                _wait_until(lambda: subscriber.count("slow") >= WIDTH_EVENTS + 300, 120)
                os.killpg(doomed.pid, signal.SIGKILL)
                killed_at = time.time()
            with _worker(env):
                _wait_until(lambda: _unfinished(scratch, "slow") == 0, 300)
                recovered = time.time() - killed_at
                lost = sum(1 for s in kill_events if s not in subscriber.arrivals("slow"))
        replay_seconds = _replay_job_seconds(env, scratch, REPLAY_EXECUTIONS)
    reference = asyncio.run(_asyncio_loop(f"{subscriber.base}/slow", WIDTH_EVENTS, 200))
    rows += [
        ("PostgreSQL + Redis, one worker (engine + 2 pool processes), web 2 processes x 4 threads", "", ""),
        ("deliveries/s to a 200 ms subscriber, 200 in flight", f"{rate:.0f}", "≥ 0.5 of the loop"),
        (
            "asyncio loop (aiohttp), 200 in flight, same subscriber",
            f"{reference:.0f}",
            f"ratio {rate / reference:.2f}",
        ),
        (
            "worker CPU per delivery (routing, claim, tries, signing, outcome event)",
            f"{cpu * 1000 / delivered:.2f} ms",
            "≤ 2 ms",
        ),
        (
            "latency POST → instant subscriber p50 / p99",
            f"{_p(latency, 50):.1f} / {_p(latency, 99):.1f} ms",
            "p50 ≤ 50 ms",
        ),
        ("healthy endpoint alone, 20 ev/s: p50 / p99", f"{_p(alone, 50):.1f} / {_p(alone, 99):.1f} ms", ""),
        (
            "… beside a hanging endpoint with 500 queued: p50 / p99",
            f"{_p(beside, 50):.1f} / {_p(beside, 99):.1f} ms",
            f"p99 {_p(beside, 99) / _p(alone, 99) - 1:+.0%} (≤ +20 %)",
        ),
        (
            "requests the hanging endpoint received meanwhile",
            str(hanging_sent),
            "10 at once; 5 failures open its breaker",
        ),
        (
            f"replay job over {REPLAY_EXECUTIONS:,} executions (no worker sending)",
            f"{replay_seconds:.1f} s",
            f"{REPLAY_EXECUTIONS / replay_seconds:,.0f} executions/s",
        ),
        (
            "SIGKILL with 200 in flight → all 1,000 completed",
            f"{recovered:.1f} s",
            f"lease 30 s + sweep 5 s; lost {lost}",
        ),
    ]


def embedded(subscriber: Subscriber, rows: list[tuple]) -> None:
    """``make run`` itself (junction_run: web, worker, beat) on SQLite and the filesystem broker."""
    data_dir = tempfile.mkdtemp(prefix="junction-bench-embedded-")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env |= {"JUNCTION_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "config.settings",
            "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32"}  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=_support.REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    key = _configure(env, subscriber.base)
    port = _support.free_port()
    argv = [sys.executable, "manage.py", "junction_run", "--port", str(port), "--no-demo"]
    hub = subprocess.Popen(argv, cwd=_support.REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until(lambda: _get(f"http://127.0.0.1:{port}/healthz") is not None, 60)
        producer = Producer(port, key)
        total = 50 * EMBEDDED_SECONDS
        seqs = range(500_000, 500_000 + total)
        started = time.monotonic()
        producer.paced("instant", seqs, rate=50)
        took = time.monotonic() - started
        at_end = sum(1 for s in seqs if s in subscriber.arrivals("instant"))
        _wait_until(lambda: all(s in subscriber.arrivals("instant") for s in seqs), 120)
        arrived = subscriber.arrivals("instant")
        latency = _latencies({s: t for s, t in producer.sent["instant"].items() if s in seqs}, arrived)
    finally:
        hub.send_signal(signal.SIGINT)
        hub.wait(timeout=60)
    rows += [
        (f"Embedded default (make run: SQLite, filesystem broker), 50 ev/s for {EMBEDDED_SECONDS} s", "", ""),
        (
            "sent / delivered (when sending ended: behind)",
            f"{total} in {took:.0f} s / {len(latency)}",
            f"{total - at_end} behind",
        ),
        ("end to end p50 / p99", f"{_p(latency, 50):.0f} / {_p(latency, 99):.0f} ms", "p99 ≤ 2 s"),
    ]


def main() -> None:
    if _support.postgres_url() is None or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        print("bench delivery: set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL / REDIS_URL (Redis).")
        return
    rows: list[tuple] = []
    with Subscriber().running() as subscriber:
        distributed(subscriber, rows)
        embedded(subscriber, rows)
    load = os.getloadavg()
    _support.print_table(
        "Delivery: one worker's engine, isolation, recovery, and the embedded default",
        ("measure", "value", "goal / note"),
        rows,
        [
            f"Machine: {os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the end; "
            "subscriber, producers, web, worker and databases all share it.",
            "Width: events queued with no worker running, then one worker started; rate from its start to the last "
            "arrival. CPU: the worker's processes (utime + stime) over the same span.",
        ],
    )
