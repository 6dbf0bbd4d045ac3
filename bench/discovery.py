"""Discovery benchmark: simulated agents posting to ``/api/v1/collect`` of a real server.

Run it with ``DATABASE_URL=postgres://... REDIS_URL=redis://... CELERY_BROKER_URL=redis://...
.venv/bin/python -m bench discovery``. It creates a scratch database next to the one in
``DATABASE_URL`` (``BENCH_DB``, default ``junction_bench_discovery``), migrates it, starts the web server
on 127.0.0.1 (``BENCH_WEB_WORKERS`` workers of ``BENCH_WEB_THREADS`` threads) and one Celery worker
(which processes the discoveries that changed and runs the subscriptions), then drives it from ``BENCH_CLIENTS`` client
processes, each agent an asyncio task on its own schedule (over at most ``BENCH_CLIENT_CONNECTIONS``
keep-alive HTTP/1.1 connections a process). Everything stays on loopback.

Each of ``BENCH_AGENTS`` (1000) agents owns a host, a cloud (Azure), a cluster (HANA scale-up, two
agents per cluster, the even one its designated controller) and a SAP (HANA database) discovery,
built from the shared fixtures, and posts all four every ``BENCH_PERIOD`` (10) seconds at its own
phase, as real agents do; once registered, it also beats every ``BENCH_HEARTBEAT_PERIOD`` (5) seconds
(1,000 agents: 400 discoveries and 200 heartbeats a second). Beat runs as `make run` starts it, so
expired heartbeats are marked. Phases:

1. register: every agent posts its four discoveries twice (the second round meets the context the
   first one built), then beats for ``BENCH_HEARTBEAT_PERIOD`` beside its discoveries (each host's
   first beat makes its heartbeat passing); after each round the bench waits until the worker has
   processed it all (no pending discovery, subscriptions caught up);
2. steady: ``BENCH_SECONDS`` (60) of the periodic loop where a share ``BENCH_CHANGE_RATE`` (0.02) of
   the host discoveries change (the memory size flips), so some work reaches the worker;
3. unchanged: ``BENCH_UNCHANGED_SECONDS`` (20) of the loop with nothing changing, to measure the
   web CPU time one request costs (web processes' user+system time / requests); halfway through,
   one agent stops beating, and the bench measures how long after its last beat its host's heartbeat
   reads critical (goal: within 10 s).

"Sustained" means the clients kept their schedule (their lag behind it stays small) and the count
of pending discoveries does not grow over the steady phase.
"""

import asyncio
import copy
import functools
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from statistics import quantiles

from apps.core.launcher import web_server_argv
from bench._support import cpu_seconds

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "trento-discovery" / "fixtures" / "web"
SCRATCH_DB = os.environ.get("BENCH_DB", "junction_bench_discovery")
AGENTS = int(os.environ.get("BENCH_AGENTS", "1000"))
PERIOD = float(os.environ.get("BENCH_PERIOD", "10"))
STEADY_SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
UNCHANGED_SECONDS = float(os.environ.get("BENCH_UNCHANGED_SECONDS", "20"))
CHANGE_RATE = float(os.environ.get("BENCH_CHANGE_RATE", "0.02"))
HEARTBEAT_PERIOD = float(os.environ.get("BENCH_HEARTBEAT_PERIOD", "5"))
#: The agent that stops beating halfway through the unchanged phase.
SILENT_AGENT = 0
#: Client processes, each running its agents as asyncio tasks over at most ``BENCH_CLIENT_CONNECTIONS``
#: connections: agents send on their own schedules, however long other agents' answers take.
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
CLIENT_CONNECTIONS = int(os.environ.get("BENCH_CLIENT_CONNECTIONS", "128"))
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "3"))
#: Threads per web process: 4, as `make run` starts it (each keeps its database connection).
WEB_THREADS = int(os.environ.get("BENCH_WEB_THREADS", "4"))
CELERY_CONCURRENCY = int(os.environ.get("BENCH_CELERY_CONCURRENCY", "2"))
REGISTER_TIMEOUT = float(os.environ.get("BENCH_REGISTER_TIMEOUT", "600"))


@functools.cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def _fixture(name: str) -> dict:
    return json.loads(_fixture_text(name))


def agent_envelopes(index: int) -> list[dict]:
    """The four discoveries of agent ``index`` (ids derived from the index, so every run is alike)."""
    host = _fixture("host_discovery.json")
    host["payload"].update(
        hostname=f"bench{index:05d}", ip_addresses=[f"10.{index // 250}.{index % 250}.4"], netmasks=[24]
    )
    cluster = _fixture("ha_cluster_discovery_hana_scale_up.json")
    cluster["payload"].update(Id=f"bench-cluster-{index // 2}", DC=index % 2 == 0)
    database = _fixture("sap_system_discovery_database.json")
    database["payload"][0]["Id"] = f"bench-database-{index}"
    envelopes = [host, _fixture("cloud_discovery_azure.json"), cluster, database]
    for envelope in envelopes:
        envelope["agent_id"] = agent_id(index)
    return envelopes


def _changed(envelope: dict) -> dict:
    changed = copy.deepcopy(envelope)
    changed["payload"]["total_memory_mb"] = random.choice([32_000, 64_000])
    return changed


def agent_id(index: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-agent-{index}"))


def _client(
    port: int, key: str, agents: list[int], start: float, seconds: float, change_rate: float, beats: bool,
    silent: bool, out,
) -> None:  # fmt: skip
    """One load process: its agents, each on its own schedule as real agents are (a task each, sending
    whether or not other agents' answers have come back), over up to ``CLIENT_CONNECTIONS`` keep-alive
    connections. The silent agent stops beating halfway through; its last beat's time is reported."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out.put(asyncio.run(_agents(port, key, agents, start, seconds, change_rate, beats, silent)))


async def _agents(
    port: int, key: str, agents: list[int], start: float, seconds: float, change_rate: float, beats: bool,
    silent: bool,
) -> dict:  # fmt: skip
    import aiohttp

    stats = {"sent": 0, "errors": 0, "latencies": [], "max_lag": 0.0, "last_beat": None}
    end, silence = start + seconds, start + seconds / 2 if silent else float("inf")
    headers = {"Content-Type": "application/json", "X-Trento-Apikey": key}
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(agents[0] if agents else 0)

    async def send(session: aiohttp.ClientSession, path: str, body: bytes, expected: int) -> None:
        began = time.perf_counter()
        try:
            async with session.post(base + path, data=body, headers=headers) as response:
                await response.read()
                stats["errors"] += response.status != expected
        except (aiohttp.ClientError, TimeoutError):
            stats["errors"] += 1
        stats["latencies"].append(time.perf_counter() - began)
        stats["sent"] += 1

    async def every(period: float, due: float, requests) -> None:
        while due < end:
            await asyncio.sleep(max(0.0, due - time.time()))
            stats["max_lag"] = max(stats["max_lag"], time.time() - due)
            if not await requests(due):
                return
            due += period

    # Built before the schedule starts: encoding them as it starts would take the machine from the hub.
    envelopes = {index: agent_envelopes(index) for index in agents}
    encoded = {index: [json.dumps(e).encode() for e in envelopes[index]] for index in agents}

    async def agent(session: aiohttp.ClientSession, index: int) -> None:
        bodies, host = encoded[index], envelopes[index][0]

        async def discoveries(due: float) -> bool:
            changed = json.dumps(_changed(host)).encode() if rng.random() < change_rate else None
            for body in [changed or bodies[0], *bodies[1:]]:
                await send(session, "/api/v1/collect", body, 202)
            return True

        async def heartbeat(due: float) -> bool:
            if index == SILENT_AGENT and due >= silence:
                return False
            await send(session, f"/api/v1/hosts/{agent_id(index)}/heartbeat", b"", 204)
            if index == SILENT_AGENT:
                stats["last_beat"] = time.time()
            return True

        schedules = [every(PERIOD, start + rng.random() * PERIOD, discoveries)]
        if beats:
            schedules.append(every(HEARTBEAT_PERIOD, start + rng.random() * HEARTBEAT_PERIOD, heartbeat))
        await asyncio.gather(*schedules)

    connector = aiohttp.TCPConnector(limit=CLIENT_CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(agent(session, index) for index in agents))
    return {**stats, "finished": time.time()}


def _drive(
    port: int, key: str, seconds: float, change_rate: float, *, beats: bool = True, silent: bool = False
) -> dict:
    out = multiprocessing.Queue()
    start = time.time() + 3  # each client first builds its agents' bodies
    shares = [list(range(AGENTS))[n::CLIENTS] for n in range(CLIENTS)]
    procs = [
        multiprocessing.Process(
            target=_client, args=(port, key, share, start, seconds, change_rate, beats, silent, out)
        )
        for share in shares
    ]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    latencies = sorted(lat for r in results for lat in r["latencies"])
    return {
        "sent": sum(r["sent"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "max_lag": max(r["max_lag"] for r in results),
        "latencies": latencies,
        "last_beat": next((r["last_beat"] for r in results if r["last_beat"] is not None), None),
        "target": AGENTS * (4 / PERIOD + (1 / HEARTBEAT_PERIOD if beats else 0)),
        # Until the last client finished: a client that fell behind its schedule took longer.
        "seconds": max(r["finished"] for r in results) - start,
    }


def _recorded() -> Counter:
    """How many discoveries of each type were stored and events of each type appended so far."""
    from django.db.models import Count

    from apps.discovery.models import DiscoveryEvent
    from apps.eventstore.models import EventRecord

    counts = Counter()
    for model, field, label in ((DiscoveryEvent, "discovery_type", "stored {}"), (EventRecord, "event_type", "{}")):
        for row in model.objects.values(field).annotate(n=Count("pk")):
            counts[label.format(row[field])] = row["n"]
    return counts


def _machine_busy() -> tuple[int, int]:
    """Busy and total jiffies of all CPUs since boot (/proc/stat), to tell how loaded the machine was."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the web server did not start")


def _pending() -> int:
    from apps.discovery.models import DiscoveryEvent

    return DiscoveryEvent.objects.filter(state=DiscoveryEvent.State.PENDING).count()


def _lag() -> int:
    from apps.eventstore import subscriptions

    return sum(subscriptions.lag(name) for name in subscriptions.registered())


def _drain(began: float) -> None:
    """Wait until the worker has processed every discovery and the subscriptions have caught up."""
    while (_pending() or _lag()) and time.monotonic() - began < REGISTER_TIMEOUT:
        time.sleep(1)


def _watch_heartbeat(run: threading.Thread) -> list[tuple[float, bool]]:
    """Whether the silent agent's host reads critical, sampled every 0.2 s until the phase ends and, if it
    is not critical by then, up to 30 s more."""
    from apps.landscape.models import Health, Host

    samples: list[tuple[float, bool]] = []
    deadline = None
    while deadline is None or time.time() < deadline:
        critical = Host.objects.filter(id=agent_id(SILENT_AGENT), heartbeat=Health.CRITICAL).exists()
        samples.append((time.time(), critical))
        if deadline is None and not run.is_alive():
            deadline = time.time() + (0 if critical else 30)
        time.sleep(0.2)
    return samples


def _heartbeat_verdict(last_beat: float | None, samples: list[tuple[float, bool]]) -> str:
    """How long after the silent agent's last beat its host first read critical (from passing)."""
    after = [(at, critical) for at, critical in samples if last_beat is not None and at >= last_beat]
    if not after or after[0][1]:
        return ("Goal: a heartbeat loss seen within 10 s: NOT MEASURED (the silent agent's host was not passing "
                "at its last beat: beats were late).")  # fmt: skip
    seen = next((at - last_beat for at, critical in after if critical), None)
    if seen is None:
        return "Goal: a heartbeat loss seen within 10 s: NOT MET (its host never read critical)."
    return (
        f"Goal: a heartbeat loss seen within 10 s: {'MET' if seen <= 10 else 'NOT MET'} (the host read critical "
        f"{seen:.1f} s after its agent's last beat; expiry {HEARTBEAT_PERIOD:.0f} s + tolerance, checked by beat)."
    )


def _row(label: str, run: dict, cpu: float | None = None) -> list[str]:
    lat = run["latencies"]
    p50, p95, p99 = (quantiles(lat, n=100)[i] * 1000 for i in (49, 94, 98)) if len(lat) > 2 else (0, 0, 0)
    cpu_ms = f"{cpu / run['sent'] * 1000:.2f}" if cpu is not None and run["sent"] else "-"
    return [
        label,
        f"{run['target']:.0f}",
        f"{run['sent'] / run['seconds']:.0f}",
        str(run["errors"]),
        f"{p50:.1f} / {p95:.1f} / {p99:.1f}",
        f"{run['max_lag']:.2f}",
        cpu_ms,
    ]


def _print_table(rows: list[list[str]], backlog: list[int]) -> None:
    header = ["phase", "target req/s", "sent req/s", "errors", "latency p50/p95/p99 ms", "max lag s", "web CPU ms/req"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"pending discoveries during the steady phase (every 5 s): {backlog}")


def _verdict(steady: dict, backlog: list[int]) -> str:
    """Held: every request accepted, the clients on schedule, the worker's backlog not growing."""
    first_half = backlog[: max(1, len(backlog) // 2)]
    growing = bool(backlog) and backlog[-1] > max(first_half) + 10
    rate = steady["sent"] / steady["seconds"]
    held = steady["errors"] == 0 and steady["max_lag"] < PERIOD / 2 and not growing
    return (
        f"Goal: the {AGENTS}-agent load ({steady['target']:.0f} req/s) held: {'MET' if held else 'NOT MET'} "
        f"({rate:.0f} req/s sent, {steady['errors']} errors, clients at most {steady['max_lag']:.1f} s behind "
        f"schedule, backlog {'growing' if growing else 'not growing'})."
    )


def main() -> None:
    from bench.eventstore import _admin, _db_config, _with_database

    url = os.environ.get("DATABASE_URL", "")
    if not url or _db_config(url)["ENGINE"] != "django.db.backends.postgresql" or not os.environ.get("REDIS_URL"):
        print("bench discovery: needs DATABASE_URL (PostgreSQL), REDIS_URL and CELERY_BROKER_URL (Redis); nothing run.")
        return
    _admin(url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    _admin(url, f'CREATE DATABASE "{SCRATCH_DB}"')
    env = {**os.environ, "DATABASE_URL": _with_database(url, SCRATCH_DB), "DJANGO_SETTINGS_MODULE": "config.settings"}
    os.environ.update(env)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    from apps.hub.models import System
    from apps.hub.services import api_key_create

    call_command("migrate", verbosity=0)
    cache.clear()
    key = api_key_create(system=System.objects.get(identifier="agents"), name="bench")[1]
    port = _free_port()
    logs = Path(env.get("JUNCTION_DATA_DIR", REPO / "var")) / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    web = subprocess.Popen(
        web_server_argv(host="127.0.0.1", port=port, workers=WEB_WORKERS),
        cwd=REPO,
        env={**env, "WEB_THREADS": str(WEB_THREADS)},
        stdout=(logs / "web.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", str(CELERY_CONCURRENCY)],
        cwd=REPO,
        env=env,
        stdout=(logs / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    beat = subprocess.Popen(  # marks expired heartbeats, as in `make run`
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--schedule", str(logs / "celerybeat-schedule")],
        cwd=REPO,
        env=env,
        stdout=(logs / "beat.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_http(port)
        print(f"bench discovery: {AGENTS} agents, registering …", file=sys.stderr)
        began = time.monotonic()
        register = _drive(port, key, PERIOD, 0.0, beats=False)
        _drain(began)
        # The second round is new work once more: what the first one registered is now context (the
        # host's cluster, its known instances), so each policy sees it for the first time. Then it settles.
        _drive(port, key, PERIOD, 0.0, beats=False)
        _drain(began)
        # Then the agents start beating: each host's first beat is a change (its heartbeat becomes
        # passing, one command each), which belongs to registering, not to the steady state.
        _drive(port, key, HEARTBEAT_PERIOD, 0.0)
        _drain(began)
        registered_in = time.monotonic() - began
        print(f"  registered in {registered_in:.0f} s; steady phase …", file=sys.stderr)
        backlog: list[int] = []
        result: dict = {}
        steady_from = _recorded()
        steady_run = threading.Thread(target=lambda: result.update(_drive(port, key, STEADY_SECONDS, CHANGE_RATE)))
        busy_before = _machine_busy()
        steady_run.start()
        while steady_run.is_alive():
            backlog.append(_pending())
            steady_run.join(timeout=5)
        steady = result
        busy, total = (after - before for after, before in zip(_machine_busy(), busy_before, strict=True))
        steady_work = _recorded() - steady_from
        print("  unchanged phase …", file=sys.stderr)
        cpu_before = cpu_seconds(web.pid)
        result = {}
        unchanged_run = threading.Thread(
            target=lambda: result.update(_drive(port, key, UNCHANGED_SECONDS, 0.0, silent=True))
        )
        unchanged_run.start()
        heartbeat_samples = _watch_heartbeat(unchanged_run)
        unchanged_run.join()
        unchanged = result
        cpu = cpu_seconds(web.pid) - cpu_before
        rows = [
            _row(f"register (then drained in {registered_in:.0f} s)", register),
            _row(f"steady, {CHANGE_RATE:.0%} of host discoveries change", steady),
            _row("unchanged only", unchanged, cpu),
        ]
        print(
            f"\nbench discovery: {AGENTS} agents x 4 discoveries every {PERIOD:.0f} s; web {WEB_WORKERS} "
            f"processes x {WEB_THREADS} threads + 1 Celery worker ({CELERY_CONCURRENCY} processes) on 127.0.0.1, "
            f"PostgreSQL + Redis; {CLIENTS} client processes x {CLIENT_CONNECTIONS} connections; "
            f"{os.cpu_count()} CPUs shared by all.\n"
        )
        _print_table(rows, backlog)
        print(f"both CPUs busy {busy / total:.0%} of the steady phase (clients, web, worker, PostgreSQL, Redis)")
        work = ", ".join(f"{n} {what}" for what, n in steady_work.most_common(10))
        print(f"recorded during the steady phase: {work or 'nothing'}")
        print(_verdict(steady, backlog))
        print(_heartbeat_verdict(unchanged["last_beat"], heartbeat_samples))
    finally:
        for proc in (web, worker, beat):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        from django.db import connections

        connections.close_all()
        _admin(url, f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
