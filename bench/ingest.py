"""Ingest: accepted events/s and latency under concurrent producers, next to PostgreSQL's own insert rate.

``DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… REDIS_URL=redis://… python -m bench ingest``
Sizes: BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 16), BENCH_WEB_WORKERS (default 4).
"""

import json
import os

from bench import _support


def _producer(scratch_url: str, data_env: dict[str, str]) -> str:
    """Create a producer with an event type and an API key in the scratch database; return the key."""
    os.environ.update({"DATABASE_URL": scratch_url, "JUNCTION_DATA_DIR": data_env["JUNCTION_DATA_DIR"]})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from apps.hub.models import EventType, System
    from apps.hub.services import api_key_create

    shop = System.objects.create(name="Bench shop", role=System.Role.PRODUCER)
    EventType.objects.create(system=shop, name="order placed", identifier="bench.order_placed",
                             payload_schema={"type": "object", "required": ["order"]})  # fmt: skip
    return api_key_create(system=shop, name="bench")[1]


def _stored_events() -> int:
    from apps.eventstore.models import EventRecord

    return EventRecord.objects.filter(event_type="bench.order_placed").count()


def main() -> None:
    url = _support.postgres_url()
    if url is None:
        print("bench ingest: set DATABASE_URL to a PostgreSQL database (and CELERY_BROKER_URL/REDIS_URL to Redis).")
        return
    seconds = int(os.environ.get("BENCH_SECONDS", 15))
    connections = int(os.environ.get("BENCH_CONNECTIONS", 16))
    workers = int(os.environ.get("BENCH_WEB_WORKERS", 4))
    with _support.scratch_database(url, "junction_bench_ingest") as scratch:
        env = _support.bench_env(DATABASE_URL=scratch)
        key = _producer(scratch, env)
        port = _support.free_port()
        body = json.dumps({"order": {"id": 1, "lines": [{"sku": "A-1", "qty": 2}]}, "customer": {"id": 7}})
        with _support.web_server(env, port, workers=workers):
            target = f"http://127.0.0.1:{port}/api/v1/events/bench.order_placed"
            headers = {"Content-Type": "application/json", "X-API-Key": key}
            _support.wrk(target, body=body, headers=headers, connections=connections, seconds=3)  # warm-up
            before = _stored_events()
            load = _support.wrk(target, body=body, headers=headers, connections=connections, seconds=seconds)
            stored = _stored_events() - before
            # The same view refusing the method: what the web stack alone (uvicorn, Django, DRF) can answer.
            floor = _support.wrk(target, body="", headers={}, connections=connections, seconds=5, method="GET")
        limit = _support.pgbench_insert_rate(scratch, clients=connections, seconds=10)
    ratio = load["rps"] / limit
    _support.print_table(
        "Ingest on PostgreSQL: POST /api/v1/events/<event> with an API key",
        ("measure", "value"),
        [
            ("accepted events/s", f"{load['rps']:.0f}"),
            ("latency p50 (ms)", f"{load['p50_ms']:.1f}"),
            ("latency p99 (ms)", f"{load['p99_ms']:.1f}"),
            ("non-2xx answers", f"{load['errors']:.0f}"),
            ("events stored / requests answered", f"{stored} / {load['requests']:.0f}"),
            ("pgbench INSERT+COMMIT tx/s (limit)", f"{limit:.0f}"),
            ("ratio to the limit (goal >= 0.50)", f"{ratio:.2f}"),
            ("web stack floor: 405 answers/s on the same URL, no database", f"{floor['rps']:.0f}"),
        ],
        [
            f"{connections} concurrent producers (wrk, keep-alive) for {seconds}s; "
            f"web server: {workers} processes x 4 threads; pgbench with as many clients; all on this machine's CPUs.",
            "Each accepted event: API-key check, schema validation, append to the event store in its own "
            "transaction, subscriber wake-up (debounced in the cache) — the production path.",
        ],
    )
