"""Every Rhai text of the real catalog compiles."""

from typing import Any

import pytest

from apps.checks.rhai import Program, RhaiError, compile_script

EXPRESSION_KEYS = ("expect", "expect_same", "expect_enum")


def catalog_sources(check: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, source) for every expression of a check; messages become template strings."""
    out = []
    for exp in check["expectations"]:
        for key in EXPRESSION_KEYS:
            if key in exp:
                out.append((f"{exp['name']}.{key}", exp[key]))
        for key in ("failure_message", "warning_message"):
            if "${" in (exp.get(key) or ""):
                out.append((f"{exp['name']}.{key}", f"`{exp[key]}`"))
    for value in check.get("values") or []:
        for i, cond in enumerate(value.get("conditions") or []):
            out.append((f"values.{value['name']}[{i}].when", cond["when"]))
    for key in ("when", "exclude"):
        if key in check:
            out.append((key, check[key]))
    return out


def test_catalog_is_complete(catalog: dict[str, dict[str, Any]]) -> None:
    assert len(catalog) == 135
    expectations = [e for c in catalog.values() for e in c["expectations"]]
    assert len(expectations) == 168


def test_every_catalog_expression_parses(catalog: dict[str, dict[str, Any]]) -> None:
    compile_script.cache_clear()
    failures = []
    count = 0
    for check_id, check in sorted(catalog.items()):
        for where, source in catalog_sources(check):
            count += 1
            try:
                assert isinstance(compile_script(source), Program)
            except Exception as e:  # collect them all for one readable report
                failures.append(f"{check_id} {where}: {e}")
    assert not failures, "\n".join(failures)
    assert count > 168 + 37 + 48


@pytest.mark.parametrize("check_id", ["9C7296", "58002B", "DE74B2", "3A9890", "3A8663", "B3DA7E"])
def test_complex_examples_parse(catalog: dict[str, dict[str, Any]], check_id: str) -> None:
    for _, source in catalog_sources(catalog[check_id]):
        compile_script(source)


def test_every_catalog_expression_runs_or_fails_cleanly(catalog: dict[str, dict[str, Any]]) -> None:
    """With no facts every expression either gives a value or a positioned RhaiError (typically
    property_not_found), never a Python exception."""
    errors: list[RhaiError] = []
    for check in catalog.values():
        values = {v["name"]: v["default"] for v in check.get("values") or []}
        for _, source in catalog_sources(check):
            try:
                compile_script(source).evaluate({"facts": {}, "values": values, "env": {}})
            except RhaiError as e:
                errors.append(e)
    assert all(e.line >= 1 and e.column >= 1 for e in errors)
    assert "property_not_found" in {e.kind for e in errors}
