"""Posting discoveries the way an agent does, and processing them in-process (for the end-to-end tests)."""

import copy
import json
from typing import Any

from django.test import Client

from apps.discovery.models import DiscoveryEvent
from apps.discovery.services import discovery_process
from apps.eventstore.models import Subscription
from apps.hub.models import System
from apps.hub.services import api_key_create
from tests.discovery.support import load
from tests.subscriptions import catch_up

#: Agent ids of a small landscape built from the fixtures (the fixtures mostly share one agent id).
DB_HOST = "779cdd70-e9e2-58ca-b18a-bf3eb3f71244"
APP_HOST = "0fc07435-7ee2-54ca-b0de-fb27ffdc5deb"
ASCS_HOST = "9cd46919-5f19-59aa-993e-cf3736c71053"
SUBSCRIPTIONS = ("landscape.projections", "landscape.process_manager", "discovery.forget_last_seen")


def agent_api_key() -> str:
    # get_or_create: transactional tests elsewhere in the suite flush the rows data migrations made.
    agents, _ = System.objects.get_or_create(identifier="agents", defaults={"name": "Agents", "role": "producer"})
    return api_key_create(system=agents, name="agent")[1]


def collect(client: Client, key: str, envelope: dict[str, Any], *, path: str = "/api/v1/collect") -> Any:
    return client.post(path, data=json.dumps(envelope), content_type="application/json", HTTP_X_TRENTO_APIKEY=key)


def process() -> None:
    """What the worker does: process pending discoveries in order, then catch the landscape subscriptions up."""
    for pk in (
        DiscoveryEvent.objects.filter(state=DiscoveryEvent.State.PENDING).order_by("pk").values_list("pk", flat=True)
    ):
        discovery_process(discovery_id=pk)
    settle()


def settle() -> None:
    catch_up(*SUBSCRIPTIONS)  # reactions append events that the projections then read, and so on
    stopped = Subscription.objects.filter(name__in=SUBSCRIPTIONS).exclude(failing_since__isnull=True, waiting_for="")
    assert not stopped.exists(), list(stopped.values_list("name", "last_error", "waiting_for"))


def post(client: Client, key: str, envelope: dict[str, Any]) -> None:
    response = collect(client, key, envelope)
    assert response.status_code == 202, response.content
    process()


def as_agent(envelope: dict[str, Any], agent_id: str, **payload_changes: Any) -> dict[str, Any]:
    """A fixture envelope sent by another agent (with some payload fields changed)."""
    envelope = copy.deepcopy(envelope)
    envelope["agent_id"] = agent_id
    if payload_changes:
        envelope["payload"].update(payload_changes)
    return envelope


def host_envelope(shared_dir: Any, agent_id: str, hostname: str, ip: str) -> dict[str, Any]:
    return as_agent(
        load(shared_dir, "web/host_discovery.json"), agent_id, hostname=hostname, ip_addresses=[ip], netmasks=[24]
    )


def application_envelope(shared_dir: Any, agent_id: str, *, number: int) -> dict[str, Any]:
    """The application fixture as reported by the host running instance ``number`` of the same system
    (0: the ASCS with the message server, 2: the additional application server of the fixture)."""
    envelope = as_agent(load(shared_dir, "web/sap_system_discovery_application.json"), agent_id)
    sap_control = envelope["payload"][0]["Instances"][0]["SAPControl"]
    for entry in sap_control["Instances"]:
        entry["currentInstance"] = entry["instanceNr"] == number
        if entry["currentInstance"]:
            hostname = entry["hostname"]
    for prop in sap_control["Properties"]:
        if prop["property"] == "SAPSYSTEM":
            prop["value"] = f"{number:02d}"
        if prop["property"] == "SAPLOCALHOST":
            prop["value"] = hostname
    return envelope
