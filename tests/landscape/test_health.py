import pytest

from apps.landscape.aggregates.health import worst, worst_known


@pytest.mark.parametrize(
    ("healths", "expected"),
    [
        (["passing", "passing"], "passing"),
        (["passing", "warning"], "warning"),
        (["warning", "critical", "passing"], "critical"),
        (["critical", "unknown"], "unknown"),  # unknown weighs most
        (["passing", None], "passing"),  # None: not applicable
        ([], "unknown"),
        ([None], "unknown"),
    ],
)
def test_worst(healths, expected):
    assert worst(healths) == expected


@pytest.mark.parametrize(
    ("healths", "expected"),
    [
        (["passing", "unknown"], "passing"),
        (["critical", "unknown", "warning"], "critical"),
        (["unknown", None], "unknown"),
        ([], "unknown"),
    ],
)
def test_worst_known_ignores_unknown_and_unset(healths, expected):
    assert worst_known(healths) == expected
