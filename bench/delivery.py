"""Delivery: webhook POST to subscriber latency, and deliveries/s of one worker process, next to a plain loop.

``DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… REDIS_URL=redis://… python -m bench delivery``
Sizes: BENCH_LATENCY_EVENTS (default 200), BENCH_THROUGHPUT_EVENTS (default 2000).
"""

import json
import os
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from bench import _support


class Subscriber:
    """A loopback HTTP server that notes when each delivery arrives (by the event's sequence number)."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        self.sent_at: dict[int, float] = {}
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY the second waits for the
            # client's delayed ACK (40 ms on Linux), which would cap any client at about 25 requests/s.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrivals.setdefault(json.loads(body).get("seq", -1), time.perf_counter())
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/orders"

    def wait(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return len(self.arrivals) >= count


def _configure(scratch_url: str, data_dir: str, subscriber_url: str) -> str:
    os.environ.update({"DATABASE_URL": scratch_url, "JUNCTION_DATA_DIR": data_dir})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from apps.hub.models import Action, Contract, EventType, System
    from apps.hub.services import api_key_create

    shop = System.objects.create(name="Bench shop", role=System.Role.PRODUCER)
    erp = System.objects.create(name="Bench ERP", role=System.Role.SUBSCRIBER)
    placed = EventType.objects.create(system=shop, name="order placed", identifier="bench.order_placed")
    action = Action.objects.create(system=erp, name="book order", url=subscriber_url,
                                   body={"seq": "{{ $.body.seq }}", "order": "{{ $.body.order }}"})  # fmt: skip
    Contract.objects.create(name="orders to ERP", event_type=placed, action=action)
    return api_key_create(system=shop, name="bench")[1]


def _post(session: requests.Session, url: str, key: str, seq: int) -> None:
    response = session.post(url, json={"seq": seq, "order": {"id": seq}}, headers={"X-API-Key": key}, timeout=10)
    response.raise_for_status()


def _plain_loop(url: str, count: int) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for seq in range(count):
        session.post(url, json={"seq": -2, "order": {"id": seq}}, timeout=10).raise_for_status()
    return count / (time.perf_counter() - started)


def main() -> None:
    url = _support.postgres_url()
    if url is None or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        print("bench delivery: set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL / REDIS_URL (Redis).")
        return
    latency_events = int(os.environ.get("BENCH_LATENCY_EVENTS", 200))
    throughput_events = int(os.environ.get("BENCH_THROUGHPUT_EVENTS", 2000))
    subscriber = Subscriber()
    with _support.scratch_database(url, "junction_bench_delivery") as scratch:
        env = _support.bench_env(DATABASE_URL=scratch, OUTBOUND_ALLOWED_NETWORKS="127.0.0.1/32")
        key = _configure(scratch, env["JUNCTION_DATA_DIR"], subscriber.url)
        port = _support.free_port()
        webhook = f"http://127.0.0.1:{port}/api/v1/events/bench.order_placed"
        session = requests.Session()
        with _support.gunicorn(env, port, workers=2), _support.celery_worker(env, concurrency=1):
            _post(session, webhook, key, 0)  # warm-up: the worker connects, the router subscription starts
            if not subscriber.wait(1, 60):
                raise SystemExit("The first delivery never arrived: is the worker running?")
            latencies = []
            for seq in range(1, latency_events + 1):
                sent = time.perf_counter()
                _post(session, webhook, key, seq)
                subscriber.wait(seq + 1, 10)
                latencies.append((subscriber.arrivals[seq] - sent) * 1000)
            first = latency_events + 1
            last = first + throughput_events
            started = time.perf_counter()
            senders = [threading.Thread(target=lambda r=r: [_post(requests.Session(), webhook, key, s) for s in r])
                       for r in (range(first, last, 4), range(first + 1, last, 4), range(first + 2, last, 4),
                                 range(first + 3, last, 4))]  # fmt: skip
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            accepted = time.perf_counter()
            complete = subscriber.wait(last, 300)
            delivered = sum(1 for seq in range(first, last) if seq in subscriber.arrivals)
            drained = max(subscriber.arrivals[s] for s in range(first, last) if s in subscriber.arrivals)
        rate = delivered / (drained - started)
        plain = _plain_loop(subscriber.url, 2000)
    quantiles = statistics.quantiles(latencies, n=100)
    _support.print_table(
        "Delivery on PostgreSQL + Redis: webhook POST → contract → HTTP subscriber",
        ("measure", "value"),
        [
            ("latency POST → subscriber p50 (ms)", f"{quantiles[49]:.1f}"),
            ("latency POST → subscriber p99 (ms)", f"{quantiles[98]:.1f}"),
            ("deliveries/s, one worker process", f"{rate:.0f}"),
            ("plain requests loop to the subscriber (req/s)", f"{plain:.0f}"),
            ("ratio to the plain loop (goal >= 0.70)", f"{rate / plain:.2f}"),
            (
                "delivered / sent in the throughput run",
                f"{delivered} / {throughput_events}{'' if complete else ' (!)'}",
            ),
            ("webhook accepted rate during that run (ev/s)", f"{throughput_events / (accepted - started):.0f}"),
        ],
        [
            f"Latency: {latency_events} events sent one at a time; time from the POST to the subscriber's receipt.",
            "Throughput: events sent by 4 producers at once; one Celery worker process (concurrency 1) routes and "
            "delivers them all (each delivery: claim, try row, signed request, outcome event); gunicorn 2 workers.",
        ],
    )
