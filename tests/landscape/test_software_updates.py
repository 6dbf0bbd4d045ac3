import pytest

from apps.landscape.software_updates import health_of


@pytest.mark.parametrize(
    ("advisory_types", "expected"),
    [
        ([], "passing"),
        (["bugfix"], "warning"),
        (["enhancement", "bugfix"], "warning"),
        (["bugfix", "security_advisory", "enhancement"], "critical"),
        (["security_advisory"], "critical"),
    ],
)
def test_relevant_patches_make_the_software_updates_health(advisory_types, expected):
    patches = [{"advisory_name": f"SUSE-{n}", "advisory_type": kind} for n, kind in enumerate(advisory_types)]
    assert health_of(patches) == expected
