from uuid import uuid4

import pytest

from apps.eventstore.commands import dispatch, public_commands
from apps.landscape.commands import build
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


@pytest.mark.django_db
def test_an_outside_connector_completes_the_discovery_over_the_public_command():
    host_id = str(uuid4())
    dispatch(build("RegisterHost", {"host_id": host_id, "hostname": "vmhana01", "fully_qualified_domain_name": None}))
    send = public_commands()["CompleteSoftwareUpdatesDiscovery"].send

    events = send(host_id, {"health": "critical"}, command_id=uuid4(), actor="suma connector")

    assert [(e.type, e.data) for e in events] == [
        ("SoftwareUpdatesHealthChanged", {"host_id": host_id, "health": "critical"}),
        ("HostHealthChanged", {"host_id": host_id, "health": "critical"}),
    ]
    assert events[0].actor == "suma connector"
