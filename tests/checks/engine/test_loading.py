from pathlib import Path

from apps.checks.engine import Catalog, Severity, is_applicable, load_catalog

from .conftest import make_check, write_check


def test_real_catalog_loads_every_check_without_errors(catalog: Catalog, catalog_dir: Path):
    assert catalog.errors == []
    assert len(catalog.checks) == 135
    assert set(catalog.checks) == {path.stem for path in catalog_dir.glob("*.yaml")}


def test_real_catalog_severities_default_to_critical(catalog: Catalog):
    severities = [check.severity for check in catalog.checks.values()]
    assert severities.count(Severity.WARNING) == 17
    assert severities.count(Severity.CRITICAL) == 118
    assert catalog.checks["156F64"].severity is Severity.CRITICAL  # no severity key
    assert catalog.checks["32CFC6"].severity is Severity.WARNING


def test_real_catalog_check_content(catalog: Catalog):
    check = catalog.checks["156F64"]
    assert [(f.name, f.gatherer, f.argument) for f in check.facts] == [
        ("corosync_token_timeout", "corosync.conf@v1", "totem.token")
    ]
    assert [(c.value, c.when.source) for c in check.values[0].conditions] == [
        (30000, 'env.provider == "azure" || env.provider == "aws"'),
        (20000, 'env.provider == "gcp"'),
    ]
    assert catalog.checks["3A59DC"].customization_disabled is True


def test_bad_files_are_reported_and_the_good_ones_still_load(tmp_path: Path):
    write_check(tmp_path, "000001")
    write_check(tmp_path, "000002", severity="warning")
    write_check(tmp_path, "000003", expectations=[{"name": "broken", "expect": "facts.answer == (1 +"}])
    write_check(tmp_path, "BAD001", expectations=[{"name": "no_expression", "expect": None}])
    write_check(tmp_path, "BAD002", remediation=None)
    write_check(tmp_path, "BAD003", file_name="BAD003.yaml", id="OTHER1")
    write_check(tmp_path, "BAD004", unexpected="key")
    write_check(tmp_path, "BAD005", expectations=[{"name": "no_kind", "failure_message": "x"}])
    write_check(tmp_path, "BAD006", values=[{"name": "v", "conditions": [{"value": 1}]}])
    write_check(tmp_path, "BAD007", metadata={"target_type": ["cluster", {"not": "scalar"}]})
    write_check(tmp_path, "BAD008", facts=[{"name": "f"}])
    (tmp_path / "BAD009.yaml").write_text("id: 'BAD009\nname: [unclosed\n")
    (tmp_path / "BAD010.yaml").write_text("- just\n- a list\n")

    loaded = load_catalog([tmp_path])

    assert sorted(loaded.checks) == ["000001", "000002", "000003"]  # a Rhai syntax error fails at evaluation
    problems = {(error.check, error.field): error.message for error in loaded.errors}
    assert {error.check for error in loaded.errors} == {f"BAD0{n:02}" for n in range(1, 11)}
    assert all(error.path.endswith(f"{error.check}.yaml") for error in loaded.errors)
    assert problems[("BAD001", "expectations[0].expect")] == "must be a string"
    assert problems[("BAD002", "remediation")] == "required key is missing"
    assert "does not match the file name" in problems[("BAD003", "id")]
    assert problems[("BAD004", "unexpected")] == "unknown key"
    assert "exactly one of expect" in problems[("BAD005", "expectations[0]")]
    assert problems[("BAD006", "values[0].default")] == "required key is missing"
    assert problems[("BAD006", "values[0].conditions[0].when")] == "required key is missing"
    assert problems[("BAD007", "metadata.target_type")].startswith("must be a string, a number")
    assert problems[("BAD008", "facts[0].gatherer")] == "required key is missing"
    assert "cannot read YAML" in problems[("BAD009", "")]
    assert "mapping" in problems[("BAD010", "")]


def test_wrong_types_are_reported(tmp_path: Path):
    write_check(
        tmp_path,
        "BAD001",
        name=42,
        severity=["warning"],
        customization_disabled="yes",
        values=[{"name": "v", "default": None}, {"name": "v", "default": 1}],
    )

    fields = {error.field for error in load_catalog([tmp_path]).errors}

    assert fields == {"name", "severity", "customization_disabled", "values[0].default", "values[1].name"}


def test_unknown_severity_string_means_critical(tmp_path: Path):
    assert make_check(tmp_path, severity="info").severity is Severity.CRITICAL


def test_first_directory_wins_and_wip_files_are_ignored(tmp_path: Path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write_check(first, "000001", name="from first")
    write_check(second, "000001", name="from second")
    write_check(second, "000002")
    write_check(second, "000003", file_name="000003.yaml.wip")
    (second / "LICENSE").write_text("not a check")

    loaded = load_catalog([first, second])

    assert loaded.errors == []
    assert sorted(loaded.checks) == ["000001", "000002"]
    assert loaded.checks["000001"].name == "from first"


def test_metadata_without_target_type_loads_as_in_wanda(tmp_path: Path):
    # wanda's with_metadata fixture: free metadata keys, no target_type.
    metadata = {"some": "kind", "of": "metadata", "list": ["this", "and", "that"]}
    check = make_check(tmp_path, metadata=metadata)

    assert check.metadata == metadata
    assert is_applicable(check, {"target_type": "cluster", "list": "and"})
    assert not is_applicable(check, {"list": "other"})
