"""The landscape that the 70 fixture envelopes build, event by event and read model by read model, against a
reviewed golden. ``UPDATE_GOLDENS=1 make test PYTEST_ARGS=tests/landscape/test_golden.py`` rewrites it:
review the diff before committing, a golden is what the landscape *should* be."""

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from apps.eventstore import store
from apps.landscape.commands import STREAM_KINDS
from tests.landscape.test_lifecycle import post_every_fixture_in_agent_order

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "goldens" / "fixture_landscape.json"
#: What differs between runs: the times (every id in the landscape is derived, UUIDv5).
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
READ_MODELS = ["hosts", "clusters", "databases", "sap_systems", "sap_systems/health"]


def stable(value: Any) -> Any:
    """The value with its times replaced by a placeholder (whether a time is set still counts)."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [stable(v) for v in value]
    if isinstance(value, str) and TIMESTAMP.match(value):
        return "<time>"
    return value


def landscape_streams() -> dict[str, list[list[Any]]]:
    streams: dict[str, list[list[Any]]] = {}
    for event in store.read_all():
        if event.stream_id.split("-", 1)[0] in STREAM_KINDS.values():
            streams.setdefault(event.stream_id, []).append([event.type, stable(event.data)])
    return dict(sorted(streams.items()))


def read_models(admin_client) -> dict[str, Any]:
    models = {}
    for name in READ_MODELS:
        response = admin_client.get(f"/api/v1/{name}", {"limit": 1000})
        assert response.status_code == 200, response.content
        body = response.json()
        models[name] = stable(body["results"] if isinstance(body, dict) and "results" in body else body)
    return models


def test_the_fixture_envelopes_build_the_golden_landscape(client, admin_client, agent_key, shared_dir, sap_landscape):
    """The fixtures' application servers point at no database of the fixtures, so the landscape also gets
    the SAP system of ``sap_landscape`` (the fixtures' database host at the address they expect)."""
    post_every_fixture_in_agent_order(client, agent_key, shared_dir)

    landscape = {"events": landscape_streams(), "read_models": read_models(admin_client)}

    if os.environ.get("UPDATE_GOLDENS"):
        GOLDEN.write_text(json.dumps(landscape, indent=1, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert landscape["read_models"] == golden["read_models"]
    assert landscape["events"].keys() == golden["events"].keys()
    for stream, events in golden["events"].items():
        assert landscape["events"][stream] == events, stream
