"""Micro-benchmark of the Rhai evaluator against the real check catalog.

Usage: ``.venv/bin/python bench/checks_rhai.py`` from the repository root (the catalog is read from
``../shared/trento-checks/catalog``; the facts are those of tests/checks/rhai/test_catalog_checks.py).
Prints: cold compile time of every catalog expression, and evaluations per second on one core.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.checks.rhai import compile_script  # noqa: E402
from tests.checks.rhai.test_catalog_checks import (  # noqa: E402
    CASES,
    SAME_CASES,
    azure_fence,
    bootstrap,
    expectation,
    resolve_values,
    source_of,
)
from tests.checks.rhai.test_catalog_parse import catalog_sources  # noqa: E402

CATALOG_DIR = ROOT.parent / "shared" / "trento-checks" / "catalog"


def load_catalog() -> dict[str, dict[str, Any]]:
    checks = (yaml.safe_load(p.read_text()) for p in sorted(CATALOG_DIR.glob("*.yaml")))
    return {c["id"]: c for c in checks}


def bench_compile(sources: list[str], rounds: int = 7) -> list[float]:
    times = []
    for _ in range(rounds):
        compile_script.cache_clear()
        start = time.perf_counter()
        for s in sources:
            compile_script(s)
        times.append((time.perf_counter() - start) * 1000)
    return times


def workload(catalog: dict[str, dict[str, Any]]) -> list[tuple[str, Any, dict[str, Any]]]:
    """(label, program, scope) for every outcome of the test cases: real expectations, real facts."""
    items = []
    for case in CASES:
        check = catalog[case.check]
        program = compile_script(source_of(expectation(check, case.expectation)))
        values = resolve_values(check, case.env)
        for facts in case.outcomes.values():
            items.append((case.check, program, {"facts": facts, "values": values}))
    for check_id, name, agents, _ in SAME_CASES:
        check = catalog[check_id]
        program = compile_script(expectation(check, name)["expect_same"])
        for facts in agents:
            items.append((check_id, program, {"facts": facts, "values": resolve_values(check, {})}))
    return items


def cib_workload(catalog: dict[str, dict[str, Any]]) -> list[tuple[str, Any, dict[str, Any]]]:
    """Azure fencing checks against a CIB-sized fact: 200 primitives with 8 attributes each,
    the fence agent last, and 40 cluster properties."""
    primitives = [
        {
            "id": f"rsc_{i}",
            "type": "IPaddr2",
            "instance_attributes": {"nvpair": [{"name": f"p{j}", "value": j} for j in range(8)]},
        }
        for i in range(200)
    ] + [azure_fence()]
    props = bootstrap(**{f"prop_{i}": i for i in range(38)}, stonith_timeout=900, concurrent_fencing=True)
    facts = {"resources_primitives": primitives, "crm_config_properties": props}
    items = []
    for check_id, name in (
        ("DE74B2", "azure_fencing_attribute_settings_correct"),
        ("DE74B2", "azure_fencing_monitor_operations_settings_correct"),
        ("6E0DEC", "expectations_concurrent_fencing"),
        ("373DB8", "expectations_fencing_timeout"),
    ):
        check = catalog[check_id]
        program = compile_script(source_of(expectation(check, name)))
        scope = {"facts": facts, "values": resolve_values(check, {"provider": "azure"})}
        assert program.evaluate(scope) is True
        items.append((check_id, program, scope))
    return items


def bench_eval(items: list[tuple[str, Any, dict[str, Any]]], seconds: float = 2.0) -> float:
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _, program, scope in items:
            program.evaluate(scope)
        count += len(items)
    return count / (time.perf_counter() - start)


def main() -> None:
    catalog = load_catalog()
    sources = [s for c in catalog.values() for _, s in catalog_sources(c)]
    compile_ms = bench_compile(sources)
    items = workload(catalog)
    one_liners = [i for i in items if "\n" not in i[1].source.strip()]
    scripts = [i for i in items if "\n" in i[1].source.strip()]
    rows = [
        ("catalog checks", f"{len(catalog)}"),
        ("expressions compiled (expect*, when, ${} messages)", f"{len(sources)}"),
        (
            "cold compile, whole catalog (min / median of 7)",
            f"{min(compile_ms):.1f} / {statistics.median(compile_ms):.1f} ms",
        ),
        (f"evaluations/s, all {len(items)} workload items", f"{bench_eval(items):,.0f}"),
        (f"evaluations/s, {len(one_liners)} one-liners", f"{bench_eval(one_liners):,.0f}"),
        (f"evaluations/s, {len(scripts)} multi-line scripts", f"{bench_eval(scripts):,.0f}"),
        ("evaluations/s, 4 fencing checks on CIB-sized facts", f"{bench_eval(cib_workload(catalog)):,.0f}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 16}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
