"""How a system sends events to Junction: the URL, the header and a ready-to-paste request.

Shown wherever a person needs it: on every event's page and on the page that shows a new API key.
Agents (the built-in Agents system) post discoveries to the collect endpoint with Trento's header;
every other producer posts an event's body to its webhook with X-API-Key.
"""

import json
import shlex
from dataclasses import dataclass
from typing import Any

from apps.eventstore.models import EventRecord
from apps.hub.models import EventType, System
from apps.hub.services import AGENTS_SYSTEM

KEY_PLACEHOLDER = "YOUR_API_KEY"


@dataclass(frozen=True)
class HowToSend:
    url: str
    header: str
    body: Any
    curl: str


def how_to_send(
    *, base_url: str, system: System, event_type: EventType | None = None, key: str = "", example: Any = None
) -> HowToSend:
    """With ``key`` the example is ready to run; without it, it says where the key goes. The example body
    is the last one received, else ``example``, else ``{}``."""
    key = key or KEY_PLACEHOLDER
    if system.identifier == AGENTS_SYSTEM:
        url, header = f"{base_url}/api/v1/collect", "X-Trento-Apikey"
        body: Any = {"agent_id": "<the agent's id>", "discovery_type": "host_discovery", "payload": {}}
    else:
        identifier = event_type.identifier if event_type else "<event identifier>"
        url, header = f"{base_url}/api/v1/events/{identifier}", "X-API-Key"
        body = last_received_body(event_type) if event_type else None
        if body is None:
            body = {} if example is None else example
    text = json.dumps(body, ensure_ascii=False)
    curl = (
        f"curl -X POST {shlex.quote(url)} \\\n  -H 'Content-Type: application/json' \\\n"
        f"  -H {shlex.quote(f'{header}: {key}')} \\\n  -d {shlex.quote(text)}"
    )
    return HowToSend(url=url, header=header, body=body, curl=curl)


def last_received_body(event_type: EventType) -> Any:
    """The body of the last event of this type received, as a realistic example (None if none yet)."""
    record = (
        EventRecord.objects.filter(event_type=event_type.identifier, stream_id__startswith="received-")
        .order_by("-position")
        .values_list("data", flat=True)
        .first()
    )
    return record.get("body") if isinstance(record, dict) else None
