"""docs/landscape-events.md lists every event the aggregates emit, with the fields their events carry."""

import inspect
import json
import re
from pathlib import Path

from apps.landscape import aggregates
from apps.landscape.aggregates.cluster import DISCOVERED_HEALTH_EVENTS

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "docs" / "landscape-events.md"
GOLDEN = Path(__file__).parent / "goldens" / "fixture_landscape.json"
ROW = re.compile(r"^\| `(\w+)` \| ((?:`\w+`(?:, )?)+) \|", re.MULTILINE)
EMITTED = re.compile(r"""(?:emit|event|NewEvent)\(\s*"(\w+)\"""")


def catalog() -> dict[str, set[str]]:
    return {event_type: set(re.findall(r"`(\w+)`", fields)) for event_type, fields in ROW.findall(CATALOG.read_text())}


def emitted_event_types() -> set[str]:
    """What the aggregates' decisions name, what they fold, and the cluster's discovered sub-health events."""
    types = set(DISCOVERED_HEALTH_EVENTS.values())
    for aggregate in (aggregates.Host, aggregates.Cluster, aggregates.Database, aggregates.SapSystem):
        types |= set(aggregate._folds)
        types |= set(EMITTED.findall(inspect.getsource(inspect.getmodule(aggregate))))
    return types


def test_the_catalog_lists_every_event_type_the_aggregates_emit_and_no_other():
    assert set(catalog()) == emitted_event_types()


def test_every_event_of_the_fixture_landscape_carries_the_fields_the_catalog_lists():
    documented = catalog()
    streams = json.loads(GOLDEN.read_text())["events"]
    for events in streams.values():
        for event_type, data in events:
            assert set(data) == documented[event_type], event_type


def test_the_readme_links_the_catalog():
    assert "docs/landscape-events.md" in (ROOT / "README.md").read_text()
