"""The landscape's commands that outside systems may send over REST (``POST /api/v1/commands``).

Each goes through the same checks as the admin's buttons and the staff API, under the sender's command
id, so a command sent twice is one command and its causal tree starts at the request.
"""

from collections.abc import Callable
from uuid import UUID

from apps.core.api import ApplicationError
from apps.eventstore.commands import dispatch, public_command
from apps.eventstore.store import RecordedEvent
from apps.landscape import checks, services
from apps.landscape.aggregates.health import HEALTHS
from apps.landscape.commands import build

CHECK_SELECTION = {
    "type": "object",
    "properties": {"checks": {"type": "array", "items": {"type": "string"}, "maxItems": 1000}},
    "required": ["checks"],
    "additionalProperties": False,
}
NOTHING = {"type": "object", "additionalProperties": False}


def _id(target: str, what: str) -> UUID:
    try:
        return UUID(target)
    except ValueError:
        message = f"The target must be the {what}'s id (a UUID)."
        raise ApplicationError("invalid_target", message, status_code=422) from None


def _checks_selection(kind: str) -> Callable[..., list[RecordedEvent]]:
    def select(target: str, payload: dict, *, command_id: UUID, actor: str) -> list[RecordedEvent]:
        selection = payload["checks"]
        return checks.checks_select(
            kind=kind, group_id=_id(target, kind), checks=selection, actor=actor, command_id=command_id
        )

    return select


for _command_type, _kind in (("SelectChecks", checks.CLUSTER), ("SelectHostChecks", checks.HOST)):
    public_command(
        _command_type,
        title=f"Choose a {_kind}'s checks",
        target=f"{_kind} id",
        description=f"Choose the checks a {_kind} runs (an empty list clears the choice); every id must be in the "
        "catalog.",
        payload_schema=CHECK_SELECTION,
    )(_checks_selection(_kind))


@public_command(
    "RequestHostDeregistration",
    title="Remove a host whose agent is gone",
    target="host id",
    description="Remove a host whose agent stopped sending heartbeats, with its instances and cluster "
    "membership; refused (host_alive) while it still beats.",
    payload_schema=NOTHING,
)
def request_host_deregistration(target: str, payload: dict, *, command_id: UUID, actor: str) -> list[RecordedEvent]:
    return services.host_deregistration_request(host=_id(target, "host"), actor=actor, command_id=command_id)


@public_command(
    "CompleteSoftwareUpdatesDiscovery",
    title="Report a host's software updates",
    target="host id",
    description="What SUSE Multi-Linux Manager's relevant patches make of a host: critical with a security "
    "advisory, warning with only bug fixes or enhancements, passing with none, unknown when the lookup "
    "failed (answers SoftwareUpdatesDiscoveryRequested); it counts in the host's health.",
    payload_schema={
        "type": "object",
        "properties": {"health": {"enum": list(HEALTHS)}},
        "required": ["health"],
        "additionalProperties": False,
    },
)
def complete_software_updates_discovery(
    target: str, payload: dict, *, command_id: UUID, actor: str
) -> list[RecordedEvent]:
    host_id = str(_id(target, "host"))
    payload = {"host_id": host_id, "health": payload["health"]}
    return dispatch(build("CompleteSoftwareUpdatesDiscovery", payload, actor=actor, command_id=command_id))
