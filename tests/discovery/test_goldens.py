"""Every fixture envelope against its reviewed golden (regenerate with ``make_goldens.py``)."""

import json

import pytest

from tests.conftest import SHARED_DIR
from tests.discovery.support import GOLDENS, envelope_paths, golden_path, load, outcome, run

ENVELOPES = envelope_paths(SHARED_DIR) if SHARED_DIR.is_dir() else []


def test_the_fixtures_hold_the_70_collect_envelopes_and_each_has_a_golden(shared_dir):
    assert len(envelope_paths(shared_dir)) == 70
    assert sorted(p.name for p in GOLDENS.glob("*.json")) == sorted(golden_path(r).name for r in ENVELOPES)


@pytest.mark.parametrize("relative", ENVELOPES)
def test_the_policy_gives_the_golden_commands(shared_dir, relative):
    golden = json.loads(golden_path(relative).read_text())
    assert {"fixture": relative, **outcome(load(shared_dir, relative))} == golden


@pytest.mark.parametrize("relative", ENVELOPES)
def test_the_same_envelope_twice_gives_identical_json_friendly_commands(shared_dir, relative):
    envelope = load(shared_dir, relative)
    if "errors" in outcome(envelope):
        pytest.skip("rejected envelope")
    first, second = run(envelope), run(load(shared_dir, relative))
    assert [(c.type, c.stream_id, c.payload) for c in first] == [(c.type, c.stream_id, c.payload) for c in second]
    for command in first:
        assert json.loads(json.dumps(command.payload)) == command.payload
