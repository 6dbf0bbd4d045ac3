from pathlib import Path

from apps.checks.engine import Catalog, Target, applicable_checks, execution_env, is_applicable, is_excluded

from .conftest import make_check

HANA_SCALE_UP_AZURE = {
    "target_type": "cluster",
    "cluster_type": "hana_scale_up",
    "provider": "azure",
    "hana_scenario": "performance_optimized",
    "architecture_type": "classic",
}
ASCS_ERS_AZURE = {
    "target_type": "cluster",
    "cluster_type": "ascs_ers",
    "provider": "azure",
    "ensa_version": "ensa2",
    "filesystem_type": "resource_managed",
}


def _ids(catalog: Catalog, env: dict) -> set[str]:
    return {check.id for check in applicable_checks(catalog.checks.values(), env)}


def test_empty_env_keeps_every_check(catalog: Catalog):
    assert len(_ids(catalog, {})) == 135


def test_cluster_envs_of_the_real_catalog(catalog: Catalog):
    hana, ascs = _ids(catalog, HANA_SCALE_UP_AZURE), _ids(catalog, ASCS_ERS_AZURE)

    assert len(hana) == 69
    assert len(ascs) == 90  # ascs_ers sends no hana_scenario, so checks listing one are not ruled out by it
    assert "156F64" in hana & ascs  # lists every cluster type
    assert "0AA227" in ascs - hana  # cluster_type: ascs_ers only
    assert "0B0F87" in hana - ascs  # hana_scale_up, classic
    assert "0B2F82" not in hana  # architecture_type angi
    assert "0B2F82" in _ids(catalog, {**HANA_SCALE_UP_AZURE, "architecture_type": "angi"})


def test_provider_lists_in_metadata(catalog: Catalog):
    assert "61451E" in _ids(catalog, HANA_SCALE_UP_AZURE)  # SBD: provider [azure, nutanix, kvm, vmware]
    assert "61451E" not in _ids(catalog, {**HANA_SCALE_UP_AZURE, "provider": "aws"})
    assert len(_ids(catalog, {**HANA_SCALE_UP_AZURE, "provider": "aws"})) == 58


def test_target_type_selects_host_or_cluster_checks(catalog: Catalog):
    host = _ids(catalog, {"target_type": "host", "arch": "x86_64"})

    assert host == {"3A361F", "3A8663", "3ADBCB", "3ADE17", "3AF270"}
    assert len(_ids(catalog, {"target_type": "cluster"})) == 130


def test_execution_env_always_injects_target_type(catalog: Catalog):
    assert execution_env({"provider": "aws"}, "host") == {"provider": "aws", "target_type": "host"}
    # a start request without target_type rules out every check whose metadata names one
    assert _ids(catalog, execution_env({}, None)) == set()


def test_metadata_match_is_type_strict(tmp_path: Path):
    check = make_check(tmp_path, metadata={"target_type": "cluster", "replicas": 2, "flags": [1, "x"]})

    assert is_applicable(check, {"replicas": 2})
    assert not is_applicable(check, {"replicas": "2"})
    assert is_applicable(check, {"flags": 1})
    assert not is_applicable(check, {"flags": True})
    assert not is_applicable(check, {"flags": "1"})
    assert is_applicable(check, {"not_in_metadata": "anything"})
    assert not is_applicable(check, {"replicas": None})


def test_when_must_evaluate_to_exactly_true(tmp_path: Path):
    when_azure = make_check(tmp_path / "a", when='env.provider == "azure"')
    not_bool = make_check(tmp_path / "b", when="env.provider")

    assert is_applicable(when_azure, {"provider": "azure"})
    assert not is_applicable(when_azure, {"provider": "aws"})
    assert not is_applicable(when_azure, {"cluster_type": "ascs_ers"})  # env.provider missing: error => out
    assert is_applicable(when_azure, {})  # empty env: no filtering at all
    assert not is_applicable(not_bool, {"provider": "azure"})


def test_when_and_metadata_must_both_hold(tmp_path: Path):
    check = make_check(tmp_path, when='env.provider == "azure"', metadata={"target_type": "host"})

    assert is_applicable(check, {"provider": "azure", "target_type": "host"})
    assert not is_applicable(check, {"provider": "azure", "target_type": "cluster"})


def test_select_drops_unknown_and_non_applicable_ids(catalog: Catalog):
    selected = catalog.select(["156F64", "NOPE00", "3A361F", "156F64"], HANA_SCALE_UP_AZURE)

    assert [check.id for check in selected] == ["156F64"]


def test_exclude_sees_the_target_attributes(tmp_path: Path):
    check = make_check(tmp_path, exclude="host.is_majority_maker")
    target = Target("agent", [check.id], {"is_majority_maker": True})

    assert is_excluded(check, target.attributes)
    assert not is_excluded(check, {"is_majority_maker": False})
    assert not is_excluded(check, {})  # error => kept
    assert not is_excluded(make_check(tmp_path / "plain", "BBBBBB"), {"is_majority_maker": True})


def test_predicates_that_do_not_parse_keep_the_host_and_drop_the_check(tmp_path: Path):
    broken_exclude = make_check(tmp_path / "exclude", exclude="host.provider == == 'aws'")
    broken_when = make_check(tmp_path / "when", when="env.provider ==")

    assert not is_excluded(broken_exclude, {"provider": "aws"})
    assert not is_applicable(broken_when, {"provider": "azure"})
