"""Commands over REST: public commands only, for the systems granted them, idempotent by the sender's id,
with the causal tree starting at the request."""

import json
from uuid import UUID, uuid4

import pytest

from apps.eventstore import store
from apps.eventstore.models import CommandRecord
from apps.landscape.models import Host
from apps.landscape.services import heartbeats_check
from tests.discovery.agents import DB_HOST, settle
from tests.eventlog.conftest import grant
from tests.landscape.test_end_to_end import HANA_CLUSTER
from tests.landscape.test_lifecycle import stop_beating

pytestmark = pytest.mark.django_db
CHECKS = ["156F64", "53D035"]  # in the shared catalog, for HANA scale-up clusters


@pytest.fixture
def operator(db) -> str:
    return grant("Ops portal", commands=["SelectChecks", "RequestHostDeregistration"])


def send(client, key: str, **command):
    body = {"id": str(uuid4()), "payload": {}, **command}
    return client.post("/api/v1/commands", json.dumps(body), content_type="application/json", HTTP_X_API_KEY=key)


def test_selecting_a_clusters_checks_records_what_the_admin_would(client, operator, clustered_db_host, shared_catalog):
    response = send(client, operator, type="SelectChecks", target=HANA_CLUSTER, payload={"checks": CHECKS})

    assert response.status_code == 200, response.content
    answer = response.json()
    (selected,) = store.events_caused_by(UUID(answer["command_id"]))
    assert selected.type == "ChecksSelected"
    assert selected.data["checks"] == CHECKS
    assert answer["events"] == [
        {"event_id": str(selected.event_id), "type": "ChecksSelected", "stream_id": selected.stream_id,
         "position": selected.position}
    ]  # fmt: skip
    assert answer["correlation_id"] == answer["command_id"] == str(selected.correlation_id)
    record = CommandRecord.objects.get(command_id=answer["command_id"])
    assert record.actor.startswith("ops_portal (API key")
    assert record.outcome == "accepted"


def test_a_dead_hosts_deregistration_over_rest_cascades_under_one_causal_tree(
    client, admin_client, operator, clustered_db_host
):
    stop_beating(DB_HOST)
    heartbeats_check()
    settle()

    answer = send(client, operator, type="RequestHostDeregistration", target=DB_HOST).json()
    settle()

    assert [e["type"] for e in answer["events"]] == ["HostDeregistrationRequested"]
    assert Host.objects.get(id=DB_HOST).deregistered_at is not None
    tree = admin_client.get(f"/api/v1/correlations/{answer['correlation_id']}/tree").json()["roots"]
    (request,) = tree
    assert (request["kind"], request["type"]) == ("command", "RequestHostDeregistration")
    assert request["id"] == answer["command_id"]
    assert request["actor"].startswith("ops_portal")
    (requested,) = request["children"]
    assert requested["type"] == "HostDeregistrationRequested"
    cascade = {child["type"]: [e["type"] for e in child["children"]] for child in requested["children"]}
    assert cascade["DeregisterHost"] == ["SoftwareUpdatesDiscoveryCleared", "HostDeregistered", "HostTombstoned"]
    assert cascade["DeregisterClusterHost"][0] == "HostRemovedFromCluster"
    assert cascade["DeregisterDatabaseInstance"][0] == "DatabaseInstanceDeregistered"


def test_the_same_command_id_twice_gives_the_first_answer(client, operator, clustered_db_host, shared_catalog):
    command = {"id": str(uuid4()), "type": "SelectChecks", "target": HANA_CLUSTER, "payload": {"checks": CHECKS}}
    first = send(client, operator, **command)
    before = store.last_position()

    again = send(client, operator, **command)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert store.last_position() == before
    reused = send(client, operator, **{**command, "type": "RequestHostDeregistration", "target": DB_HOST})
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "command_id_reused"


def test_a_rejected_command_appends_nothing_and_stays_rejected(client, operator, clustered_db_host):
    command = {"id": str(uuid4()), "type": "RequestHostDeregistration", "target": DB_HOST}
    before = store.last_position()

    refused = send(client, operator, **command)

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "host_alive"
    assert store.last_position() == before
    stop_beating(DB_HOST)  # even once the host has gone quiet, this id keeps its answer
    assert send(client, operator, **command).json() == refused.json()


def test_only_granted_systems_send_only_public_commands(client, operator, clustered_db_host):
    reader = grant("Data lake")
    not_granted = send(client, reader, type="SelectChecks", target=HANA_CLUSTER, payload={"checks": []})
    assert not_granted.status_code == 403
    assert not_granted.json()["error"]["code"] == "command_not_allowed"

    internal = send(client, operator, type="DeregisterHost", target=DB_HOST, payload={"deregistered_at": "now"})
    assert internal.status_code == 422
    assert internal.json()["error"]["code"] == "unknown_command"
    assert "SelectChecks" in internal.json()["error"]["message"]
    assert Host.objects.get(id=DB_HOST).deregistered_at is None
    assert send(client, "jk_not_a_key", type="SelectChecks", target=HANA_CLUSTER).status_code == 401


def test_bad_commands_get_structured_errors(client, operator, clustered_db_host, shared_catalog):
    def error(**command) -> tuple[int, str]:
        response = send(client, operator, **command)
        return response.status_code, response.json()["error"]["code"]

    assert error(type="SelectChecks", target=HANA_CLUSTER, payload={"checks": "156F64"}) == (422, "invalid_payload")
    assert error(type="SelectChecks", target=HANA_CLUSTER, payload={"checks": ["NOPE"]}) == (422, "unknown_checks")
    assert error(type="SelectChecks", target="cluster-1", payload={"checks": []}) == (422, "invalid_target")
    assert error(type="SelectChecks", target=str(uuid4()), payload={"checks": []}) == (404, "cluster_not_found")
    assert error(type="SelectChecks", id="not-a-uuid", target=HANA_CLUSTER) == (400, "invalid")
    assert not CommandRecord.objects.filter(command_type="SelectChecks").exists()


def test_a_system_lists_the_public_commands_and_which_it_may_send(client, operator):
    listed = {c["type"]: c for c in client.get("/api/v1/commands", HTTP_X_API_KEY=operator).json()}

    assert listed["SelectChecks"]["granted"] is True
    assert listed["SelectHostChecks"]["granted"] is False
    assert listed["SelectChecks"]["payload_schema"]["required"] == ["checks"]
