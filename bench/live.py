"""Live pages: from an event's commit to the browsers' websockets, with many clients and a steady flow.

``DATABASE_URL=postgres://… python -m bench live``: the web server as `make run` starts it (2
processes) on a scratch database, ``BENCH_CLIENTS`` websocket clients (default 100, signed in as
staff) on the ``hosts`` topic, and a producer process committing ``BENCH_RATE`` landscape changes per
second (default 100, each about another host) for ``BENCH_SECONDS`` (default 20). Every client
notes when each change reaches it; the latency is that moment minus the change's commit.
"""

import asyncio
import json
import multiprocessing
import os
import statistics
import time
import uuid

from bench import _support

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 100))
RATE = int(os.environ.get("BENCH_RATE", 100))
SECONDS = int(os.environ.get("BENCH_SECONDS", 20))
GOAL_P99 = 1.0


def _django(scratch: str, data_dir: str) -> None:
    os.environ.update({"DATABASE_URL": scratch, "JUNCTION_DATA_DIR": data_dir})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _staff_session(scratch: str, data_dir: str) -> str:
    _django(scratch, data_dir)
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.create_superuser("bench", "bench@example.com", uuid.uuid4().hex)
    session = SessionStore()
    session.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                    "_auth_user_hash": user.get_session_auth_hash()})  # fmt: skip
    session.create()
    return session.session_key


def _produce(scratch: str, data_dir: str, rate: int, seconds: int, results: multiprocessing.Queue) -> None:
    """Commit ``rate`` changes a second, each in its own transaction; report (position, commit time)."""
    _django(scratch, data_dir)
    from apps.eventstore import store
    from apps.eventstore.store import Causation, NewEvent

    committed = {}
    start = time.time()
    for n in range(rate * seconds):
        time.sleep(max(0.0, start + n / rate - time.time()))
        host = uuid.uuid4()
        (event,) = store.append(
            f"host-{host}", [NewEvent("HostDetailsUpdated", {"host_id": str(host), "n": n})],
            expected_version=0, causation=Causation(correlation_id=uuid.uuid4(), actor="bench"),
        )  # fmt: skip
        committed[event.position] = time.time()
    results.put(committed)


async def _client(url: str, headers: dict[str, str], received: dict[int, float], ready: asyncio.Event, stop) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, additional_headers=headers, origin=url.replace("ws", "http", 1).split("/ws/")[0],
                       max_queue=None) as socket:  # fmt: skip
        ready.set()
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            received[json.loads(message)["position"]] = time.time()


async def _listen(base: str, session_key: str, until) -> list[dict[int, float]]:
    url = base.replace("http", "ws") + "/ws/live/hosts/"
    headers = {"Cookie": f"sessionid={session_key}"}
    received = [{} for _ in range(CLIENTS)]
    readies = [asyncio.Event() for _ in range(CLIENTS)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_client(url, headers, received[i], readies[i], stop)) for i in range(CLIENTS)]
    waiting = asyncio.gather(*(ready.wait() for ready in readies))
    done, _ = await asyncio.wait([waiting, *tasks], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if waiting not in done:
        raise RuntimeError(f"the websocket clients did not connect: {[t.exception() for t in done][:1]}")
    await until()
    await asyncio.sleep(3)  # the last changes' way to the clients
    stop.set()
    await asyncio.gather(*tasks)
    return received


def main() -> None:
    url = _support.postgres_url()
    if url is None:
        print("bench live: set DATABASE_URL to a PostgreSQL database.")
        return
    with _support.scratch_database(url, "junction_bench_live") as scratch:
        env = _support.bench_env(DATABASE_URL=scratch)
        session_key = _staff_session(scratch, env["JUNCTION_DATA_DIR"])
        port = _support.free_port()
        base = f"http://127.0.0.1:{port}"
        with _support.web_server(env, port, workers=2):
            context = multiprocessing.get_context("spawn")
            results = context.Queue()
            producer = context.Process(
                target=_produce, args=(scratch, env["JUNCTION_DATA_DIR"], RATE, SECONDS, results)
            )

            async def produce() -> None:
                producer.start()
                while producer.is_alive() and results.empty():
                    await asyncio.sleep(0.2)

            received = asyncio.run(_listen(base, session_key, produce))
            committed = results.get(timeout=60)
            producer.join()
    latencies = sorted(at - committed[p] for client in received for p, at in client.items() if p in committed)
    expected = len(committed) * CLIENTS
    p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]
    _support.print_table(
        "Live pages: event commit to websocket client (topic hosts)",
        ("measure", "value"),
        [
            ("changes committed", len(committed)),
            ("messages expected / received", f"{expected} / {len(latencies)}"),
            ("latency p50 (ms)", f"{p50 * 1000:.0f}"),
            ("latency p99 (ms)", f"{p99 * 1000:.0f}"),
            ("latency max (ms)", f"{latencies[-1] * 1000:.0f}"),
            ("goal: p99 at most (ms)", f"{GOAL_P99 * 1000:.0f}"),
            ("verdict", "MET" if p99 <= GOAL_P99 and len(latencies) == expected else "NOT MET"),
        ],
        [
            f"{CLIENTS} websocket clients signed in as staff, {RATE} changes/s for {SECONDS} s, each about another "
            "host and committed in its own transaction; web server: 2 processes, each following the event store "
            f"every {os.environ.get('LIVE_POLL_SECONDS', '0.1')} s; PostgreSQL; all on this machine's CPUs.",
        ],
    )
