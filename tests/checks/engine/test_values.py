from pathlib import Path

import pytest

from apps.checks.engine import (
    Catalog,
    Check,
    CustomizationErrorCode,
    ResolvedValue,
    is_check_customizable,
    is_value_customizable,
    resolve_values,
    validate_customization,
)

from .conftest import make_check


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"provider": "azure"}, 30000),
        ({"provider": "aws"}, 30000),
        ({"provider": "gcp"}, 20000),
        ({"provider": "kvm"}, 5000),
        ({}, 5000),  # env.provider is missing: both conditions raise and are skipped
    ],
)
def test_first_matching_condition_else_default(catalog: Catalog, env: dict, expected: int):
    values = resolve_values(catalog.checks["156F64"], env)

    assert values == [
        ResolvedValue("expected_token_timeout", default_value=expected, custom_value=None, customized=False)
    ]
    assert values[0].value == expected


def test_list_values_resolve_per_env(catalog: Catalog):
    check = catalog.checks["83952D"]

    assert resolve_values(check, {"provider": "azure"}) == [
        ResolvedValue("resource_type", "ERS"),
        ResolvedValue("resource_order", ["azure-lb", "IPaddr2", "SAPStartSrv", "SAPInstance"]),
    ]
    assert resolve_values(check, {"provider": "kvm"})[1].value == ["IPaddr2", "SAPStartSrv", "SAPInstance"]


def test_conditions_see_env_only_and_need_exactly_true(tmp_path: Path):
    check = make_check(
        tmp_path,
        values=[
            {
                "name": "v",
                "default": "default",
                "conditions": [
                    {"value": "from facts", "when": "facts.answer == 42"},
                    {"value": "not a bool", "when": "env.provider"},
                    {"value": "does not parse", "when": "env.provider == == 1"},
                    {"value": "azure", "when": 'env.provider == "azure"'},
                ],
            }
        ],
    )

    assert resolve_values(check, {"provider": "azure"}) == [ResolvedValue("v", "azure")]
    assert resolve_values(check, {"provider": "aws"}) == [ResolvedValue("v", "default")]


def test_custom_value_replaces_the_resolved_one_and_both_are_kept(catalog: Catalog):
    # wanda's "resolve customized values": the env's default and the group's custom value, side by side.
    custom = {"expected_token_timeout": 42000}
    [value] = resolve_values(catalog.checks["156F64"], {"provider": "azure"}, custom)

    assert value == ResolvedValue("expected_token_timeout", default_value=30000, custom_value=42000, customized=True)
    assert value.value == 42000


def _codes(check: Check, custom_values: object) -> list[CustomizationErrorCode]:
    return [error.code for error in validate_customization(check, custom_values)]


def test_a_valid_customization_has_no_errors(catalog: Catalog):
    assert _codes(catalog.checks["156F64"], [{"name": "expected_token_timeout", "value": 1}]) == []
    assert _codes(catalog.checks["83952D"], [{"name": "resource_type", "value": "ASCS"}]) == []


@pytest.mark.parametrize(
    ("check_id", "custom_values", "codes"),
    [
        ("3A59DC", [{"name": "expected_solution", "value": "HANA"}], ["check_not_customizable"]),
        ("156F64", [], ["no_values"]),
        ("156F64", None, ["no_values"]),
        ("156F64", {"expected_token_timeout": 1}, ["no_values"]),
        ("156F64", [{"name": "expected_token_timeout"}], ["invalid_shape"]),
        ("156F64", [{"name": "expected_token_timeout", "value": 1, "extra": 2}], ["invalid_shape"]),
        ("156F64", ["expected_token_timeout"], ["invalid_shape"]),
        ("156F64", [{"name": "nope", "value": 1}], ["value_not_found"]),
        ("553B84", [{"name": "resource_type", "value": "X"}], ["value_not_customizable"]),
        ("83952D", [{"name": "resource_order", "value": ["a"]}], ["value_not_customizable"]),
        ("156F64", [{"name": "expected_token_timeout", "value": "5000"}], ["type_mismatch"]),
        ("156F64", [{"name": "expected_token_timeout", "value": True}], ["type_mismatch"]),
        ("156F64", [{"name": "expected_token_timeout", "value": 5000.0}], ["type_mismatch"]),
        (
            "156F64",
            [{"name": "expected_token_timeout", "value": 1}, {"name": "expected_token_timeout", "value": 2}],
            ["duplicate_value"],
        ),
        (
            "83952D",
            [{"name": "resource_type", "value": 1}, {"name": "missing", "value": 1}],
            ["type_mismatch", "value_not_found"],
        ),
    ],
)
def test_customization_errors(catalog: Catalog, check_id: str, custom_values: object, codes: list[str]):
    assert _codes(catalog.checks[check_id], custom_values) == codes


def test_customization_errors_name_the_value(catalog: Catalog):
    custom = [{"name": "expected_token_timeout", "value": "x"}]
    [error] = validate_customization(catalog.checks["156F64"], custom)

    assert error.name == "expected_token_timeout"
    assert "must be of type int, got str" in error.message


def test_boolean_values_take_booleans_only(tmp_path: Path):
    check = make_check(tmp_path, values=[{"name": "flag", "default": True}])

    assert validate_customization(check, [{"name": "flag", "value": False}]) == []
    assert _codes(check, [{"name": "flag", "value": 0}]) == ["type_mismatch"]


def test_customizability_of_checks_and_values(catalog: Catalog):
    assert is_check_customizable(catalog.checks["156F64"])
    assert not is_check_customizable(catalog.checks["3A59DC"])  # check-level customization_disabled
    assert not is_check_customizable(catalog.checks["553B84"])  # every value disabled
    assert not is_check_customizable(catalog.checks["0B0F87"])  # no values at all
    resource_type, resource_order = catalog.checks["83952D"].values
    assert is_value_customizable(catalog.checks["83952D"], resource_type)
    assert not is_value_customizable(catalog.checks["83952D"], resource_order)  # lists never
