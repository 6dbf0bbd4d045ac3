"""Shared by the discovery tests and ``make_goldens.py``: where the fixtures are and how goldens look."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apps.discovery.policies import InvalidDiscovery, PolicyContext, check_envelope, policy_for
from apps.eventstore.commands import Command

GOLDENS = Path(__file__).parent / "goldens"
RECEIVED_AT = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)


def fixtures_root(shared_dir: Path) -> Path:
    return shared_dir / "trento-discovery" / "fixtures"


def envelope_paths(shared_dir: Path) -> list[str]:
    """Every complete collect envelope among the fixtures, as paths relative to the fixtures folder."""
    root = fixtures_root(shared_dir)
    found = []
    for path in sorted(root.rglob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "discovery_type" in data:
            found.append(path.relative_to(root).as_posix())
    return found


def load(shared_dir: Path, relative: str) -> dict[str, Any]:
    return json.loads((fixtures_root(shared_dir) / relative).read_text())


def golden_path(relative: str) -> Path:
    return GOLDENS / (relative.removesuffix(".json").replace("/", "__") + ".json")


def run(envelope: dict[str, Any], context: PolicyContext | None = None) -> list[Command]:
    check_envelope(envelope)
    return policy_for(envelope["discovery_type"])(envelope, context or PolicyContext(received_at=RECEIVED_AT))


def outcome(envelope: dict[str, Any]) -> dict[str, Any]:
    """What a golden records: the commands (type, stream, payload) or the errors of a rejected envelope."""
    try:
        commands = run(envelope)
    except InvalidDiscovery as rejected:
        return {"errors": [error.as_dict() for error in rejected.errors]}
    return {"commands": [{"type": c.type, "stream_id": c.stream_id, "payload": c.payload} for c in commands]}
