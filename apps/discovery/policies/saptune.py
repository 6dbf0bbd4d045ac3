"""saptune_discovery → UpdateSaptuneStatus, the saptune JSON status reshaped into what Trento shows."""

from collections.abc import Mapping
from typing import Any

from apps.discovery.policies._payload import dig, expect, items
from apps.discovery.policies.context import PolicyContext
from apps.eventstore.commands import Command
from apps.landscape.commands import build, host_id


def saptune_discovery(envelope: Mapping[str, Any], context: PolicyContext) -> list[Command]:
    payload = expect(envelope["payload"], Mapping, "payload", what="an object")
    expect(payload.get("saptune_installed"), bool, "payload", "saptune_installed", what="a boolean")
    status = payload.get("status")
    return [
        build(
            "UpdateSaptuneStatus",
            {
                "host_id": host_id(envelope["agent_id"]),
                "saptune_installed": payload["saptune_installed"],
                "package_version": payload.get("package_version"),
                "sap_running": context.sap_running,
                "status": None if status is None else reshape_status(status),
            },
        )
    ]


def reshape_status(status: Any) -> dict[str, Any]:
    """The `saptune --format json status` document as Trento stores it (raises on a missing result)."""
    expect(status, Mapping, "payload", "status", what="an object or null")
    result = expect(status.get("result"), Mapping, "payload", "status", "result", what="an object")
    additional = set(items(result.get("Notes enabled additionally")))
    return {
        "package_version": result.get("package version"),
        "configured_version": result.get("configured version"),
        "tuning_state": result.get("tuning state"),
        "services": [_service(name, state) for name, state in sorted((result.get("services") or {}).items())],
        "enabled_notes": [
            {"id": note, "additionally_enabled": note in additional} for note in items(result.get("Notes enabled"))
        ],
        "applied_notes": [
            {"id": note, "additionally_enabled": note in additional} for note in items(result.get("Notes applied"))
        ],
        "enabled_solution": _solution(
            next(iter(items(result.get("Solution enabled"))), None),
            False,
            result.get("Notes enabled by Solution"),
        ),
        "applied_solution": _solution(
            dig(result, "Solution applied", 0, "Solution ID"),
            bool(dig(result, "Solution applied", 0, "applied partially")),
            result.get("Notes applied by Solution"),
        ),
        "staging": {
            "enabled": dig(result, "staging", "staging enabled"),
            "notes": items(dig(result, "staging", "Notes staged")),
            "solutions_ids": items(dig(result, "staging", "Solutions staged")),
        },
    }


def _service(name: str, state: Any) -> dict[str, Any]:
    """saptune lists ``[enabled, active]`` for an installed unit and ``[]`` for a missing one."""
    enabled, active = state if isinstance(state, list) and len(state) == 2 else (None, None)
    return {"name": name, "enabled": enabled, "active": active}


def _solution(solution_id: Any, partial: bool, notes_by_solution: Any) -> dict[str, Any] | None:
    if not solution_id:
        return None
    notes = next(
        (
            items(entry.get("Note list"))
            for entry in items(notes_by_solution)
            if entry.get("Solution ID") == solution_id
        ),
        [],
    )
    return {"id": solution_id, "notes": notes, "partial": partial}
