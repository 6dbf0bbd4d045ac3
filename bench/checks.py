"""Checks engine benchmark: catalog compile time, expectation throughput, a 100-agent execution.

Run it with ``.venv/bin/python -m bench checks`` (SQLite in a scratch folder), or with
``DATABASE_URL=postgres://...`` for PostgreSQL (a scratch database ``BENCH_CHECKS_DB``, default
``junction_bench_checks``, created and dropped by Django's test-database machinery).

- catalog compiled: ``load_catalog`` over the shared Trento catalog, Rhai compile cache cleared
  first (YAML parsing, validation and compiling every expression); goal < 200 ms;
- evaluations per second on one core: the workload of ``bench/checks_rhai.py`` (real catalog
  expectations on the facts of the catalog tests); goal ≥ 20,000/s;
- an execution end to end through the services and the database, for a registered HANA cluster:
  every catalog check that applies to the env and has realistic facts in the catalog tests, on
  ``BENCH_AGENTS`` (100) agents simulated in-process: start, each agent fetches its request and posts
  its facts, evaluation and storage of the result with the ChecksExecutionCompleted event (what the
  worker's task runs), then the landscape's reaction folding the result into the cluster's health.
"""

import os
import statistics
import tempfile
import time
import uuid
from typing import Any

AGENTS = int(os.environ.get("BENCH_AGENTS", "100"))
ENV = {"provider": "azure", "cluster_type": "hana_scale_up", "hana_scenario": "performance_optimized"}


def _setup_django() -> None:
    os.environ.setdefault("JUNCTION_DATA_DIR", tempfile.mkdtemp(prefix="junction-bench-checks-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["EVENTSTORE_WAKE_SUBSCRIBERS"] = "false"
    import django

    django.setup()


def bench_catalog_compile(rounds: int = 7) -> tuple[list[float], Any]:
    from pathlib import Path

    from django.conf import settings

    from apps.checks.engine import load_catalog
    from apps.checks.rhai import compile_script

    times, loaded = [], None
    for _ in range(rounds):
        compile_script.cache_clear()
        start = time.perf_counter()
        loaded = load_catalog([Path(d) for d in settings.CHECKS_CATALOG_DIRS])
        times.append((time.perf_counter() - start) * 1000)
    return times, loaded


def realistic_facts() -> dict[str, dict[str, Any]]:
    """Check id → fact name → a value from the catalog tests (the first outcome of each case)."""
    from tests.checks.rhai.test_catalog_checks import CASES

    facts: dict[str, dict[str, Any]] = {}
    for case in CASES:
        facts.setdefault(case.check, {}).update(next(iter(case.outcomes.values())))
    return facts


def bench_execution(catalog: Any) -> dict[str, Any]:
    from apps.checks import services
    from apps.checks.engine import Target, execution_env
    from apps.checks.models import Execution
    from apps.eventstore import store
    from apps.eventstore.subscriptions import run_subscription
    from apps.landscape.subscribers import PROCESS_MANAGER

    facts = realistic_facts()
    checks = [c.id for c in catalog.select(facts, execution_env(ENV, "cluster"))]
    agents = [str(uuid.uuid4()) for _ in range(AGENTS)]
    cluster = _registered_cluster(agents[0])
    timings: dict[str, float] = {}

    start = time.perf_counter()
    execution = services.execution_start(
        group_id=uuid.UUID(cluster), targets=[Target(a, checks) for a in agents], target_type="cluster", env=ENV
    )
    timings["start"] = time.perf_counter() - start

    start = time.perf_counter()
    for agent in agents:
        (request,) = services.facts_requests_pending(agent_id=agent)
        gathered = [
            {"check_id": f["check_id"], "name": f["name"], "value": facts[f["check_id"]][f["name"]]}
            for f in request.fact_requests
            if f["name"] in facts[f["check_id"]]
        ]
        services.facts_submit(agent_id=agent, execution_id=execution.pk, facts_gathered=gathered)
    timings["agents"] = time.perf_counter() - start

    start = time.perf_counter()
    services.execution_complete(execution_id=execution.pk)
    timings["evaluate"] = time.perf_counter() - start

    start = time.perf_counter()
    run_subscription(PROCESS_MANAGER)  # what the worker runs next: the result becomes the cluster's health
    timings["health"] = time.perf_counter() - start
    health_events = [e.type for e in store.read_stream(f"cluster-{cluster}") if e.correlation_id == execution.pk]

    execution = Execution.objects.get(pk=execution.pk)
    evaluations = sum(
        len(entry.get("expectation_evaluations", []))
        for check in execution.result_data["check_results"]
        for entry in check["agents_check_results"]
    )
    return {
        "checks": len(checks),
        "facts": sum(len(catalog.get(c).facts) for c in checks) * AGENTS,
        "evaluations": evaluations,
        "result": execution.result,
        "counts": {r: execution.count(r) for r in ("passing", "warning", "critical")},
        "health_events": health_events,
        "timings": timings,
    }


def _registered_cluster(host_id: str) -> str:
    """A HANA scale-up cluster the execution's result folds into (its read models caught up)."""
    from apps.eventstore.commands import dispatch
    from apps.eventstore.subscriptions import run_subscription
    from apps.landscape.commands import build
    from apps.landscape.subscribers import PROCESS_MANAGER, PROJECTIONS

    cluster = str(uuid.uuid4())
    payload = {"cluster_id": cluster, "host_id": host_id, "name": "bench", "type": "hana_scale_up",
               "provider": "azure", "designated_controller": True}  # fmt: skip
    dispatch(build("RegisterOnlineClusterHost", payload))
    while run_subscription(PROJECTIONS) or run_subscription(PROCESS_MANAGER):
        pass
    return cluster


def main() -> None:
    _setup_django()
    from django.conf import settings
    from django.db import connection

    from bench.checks_rhai import bench_eval, workload
    from bench.checks_rhai import load_catalog as load_raw_catalog

    compile_ms, catalog = bench_catalog_compile()
    items = workload(load_raw_catalog())
    per_second = bench_eval(items)

    settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "postgresql":
        settings.DATABASES["default"]["TEST"]["NAME"] = os.environ.get("BENCH_CHECKS_DB", "junction_bench_checks")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run = bench_execution(catalog)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    t = run["timings"]
    total = sum(t.values())
    rows = [
        ("database", connection.vendor),
        ("catalog checks / load errors", f"{len(catalog.checks)} / {len(catalog.errors)}"),
        (
            "catalog compiled, cold (min / median of 7)  [goal < 200 ms]",
            f"{min(compile_ms):.1f} / {statistics.median(compile_ms):.1f} ms",
        ),
        (f"expectation evaluations/s, one core, {len(items)} items  [goal >= 20,000]", f"{per_second:,.0f}"),
        (
            f"execution: {run['checks']} applicable checks x {AGENTS} agents",
            f"{run['facts']:,} facts, {run['evaluations']:,} evaluations",
        ),
        ("  start (select checks, facts requests, event)", f"{t['start'] * 1000:.0f} ms"),
        (f"  {AGENTS} agents fetch their request and post facts", f"{t['agents'] * 1000:.0f} ms"),
        ("  evaluate, store result, ChecksExecutionCompleted", f"{t['evaluate'] * 1000:.0f} ms"),
        (
            "  the result folds into the cluster's health",
            f"{t['health'] * 1000:.0f} ms: {', '.join(run['health_events'])}",
        ),
        (
            "  end to end, request to health event",
            f"{total * 1000:.0f} ms ({run['evaluations'] / t['evaluate']:,.0f} evaluations/s)",
        ),
        ("  result (passing / warning / critical checks)", f"{run['result']} {tuple(run['counts'].values())}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 24}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
