"""The agent-facing collect and heartbeat endpoints: auth, validation, storage, deduplication, locks."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.discovery import services
from apps.discovery.models import DiscardedDiscoveryEvent, DiscoveryEvent, LastDiscovery
from apps.eventstore import store
from apps.eventstore.models import CommandRecord, EventRecord
from apps.hub.services import api_key_create
from apps.landscape.models import Heartbeat, Host
from tests.discovery.agents import (
    DB_HOST,
    agent_api_key,
    as_agent,
    collect,
    host_envelope,
    post,
    process,
    settle,
)
from tests.discovery.support import load
from tests.hub import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_key(db) -> str:
    return agent_api_key()


def test_an_accepted_envelope_is_stored_as_received_and_answered_202(client, agent_key, shared_dir):
    envelope = load(shared_dir, "web/host_discovery.json")

    response = collect(client, agent_key, envelope)

    assert (response.status_code, response.json()) == (202, {})
    (stored,) = DiscoveryEvent.objects.all()
    assert (str(stored.agent_id), stored.discovery_type, stored.payload) == (
        DB_HOST,
        "host_discovery",
        envelope["payload"],
    )
    assert stored.state == DiscoveryEvent.State.PENDING
    assert len(stored.payload_hash) == 64


def test_commands_are_caused_by_the_envelope_and_correlated_per_envelope(client, agent_key, shared_dir):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))

    stored = DiscoveryEvent.objects.get()
    registered, _software_updates_requested = store.read_stream(f"host-{DB_HOST}")
    command = CommandRecord.objects.get(command_id=registered.cause_id)
    assert command.cause_id == stored.envelope_id
    assert registered.correlation_id == command.correlation_id == stored.correlation_id
    assert command.actor == f"agent {DB_HOST}"
    assert stored.state == DiscoveryEvent.State.PROCESSED


def test_the_same_discovery_100_times_emits_its_events_once(client, agent_key, shared_dir):
    envelope = load(shared_dir, "web/host_discovery.json")

    for _ in range(100):
        assert collect(client, agent_key, envelope).status_code == 202
        process()

    registered = ["HostRegistered", "SoftwareUpdatesDiscoveryRequested"]
    assert [e.type for e in store.read_stream(f"host-{DB_HOST}")] == registered
    assert DiscoveryEvent.objects.count() == 1
    changed = {**envelope, "payload": {**envelope["payload"], "hostname": "renamed"}}
    post(client, agent_key, changed)
    assert [e.type for e in store.read_stream(f"host-{DB_HOST}")] == [*registered, "HostDetailsUpdated"]


def test_an_identical_repeat_is_recognised_from_the_shared_cache_without_a_query(
    client, agent_key, shared_dir, queries_beyond_the_cache
):
    envelope = load(shared_dir, "web/host_discovery.json")
    post(client, agent_key, envelope)
    collect(client, agent_key, envelope)  # compared with the last one: identical, and remembered as such

    with queries_beyond_the_cache() as queries:
        assert collect(client, agent_key, envelope).status_code == 202

    assert queries == []
    assert DiscoveryEvent.objects.count() == 1


def test_a_processed_discovery_is_recognised_at_its_first_repeat_and_its_agents_others_stay_so(
    client, agent_key, shared_dir, queries_beyond_the_cache
):
    host = load(shared_dir, "web/host_discovery.json")
    cloud = as_agent(load(shared_dir, "web/cloud_discovery_azure.json"), host["agent_id"])
    post(client, agent_key, host)  # processed: its verdict is cached as it is remembered as the last one
    post(client, agent_key, cloud)  # processing another type of the same agent leaves that verdict alone

    with queries_beyond_the_cache() as queries:
        assert collect(client, agent_key, host).status_code == 202
        assert collect(client, agent_key, cloud).status_code == 202

    assert queries == []
    assert DiscoveryEvent.objects.count() == 2


def test_a_byte_for_byte_repeat_is_recognised_without_being_parsed_again(client, agent_key, shared_dir, monkeypatch):
    from apps.discovery import services

    envelope = load(shared_dir, "web/host_discovery.json")
    post(client, agent_key, envelope)
    collect(client, agent_key, envelope)  # identical: remembered with whose it is

    def not_parsed_again(raw_body):
        raise AssertionError("a repeat was parsed again")

    monkeypatch.setattr(services, "envelope_parse", not_parsed_again)
    assert collect(client, agent_key, envelope).status_code == 202
    assert DiscoveryEvent.objects.count() == 1
    changed = {**envelope, "payload": {**envelope["payload"], "hostname": "renamed"}}
    with pytest.raises(AssertionError, match="parsed again"):  # new bytes are always parsed
        collect(client, agent_key, changed)


def test_an_identical_discovery_is_evaluated_again_once_what_its_policy_knows_changed(client, agent_key, shared_dir):
    post(client, agent_key, host_envelope(shared_dir, DB_HOST, "vmhana01", "10.74.1.12"))
    saptune = as_agent(load(shared_dir, "web/saptune_discovery.json"), DB_HOST)
    for _ in range(3):
        post(client, agent_key, saptune)
    assert DiscoveryEvent.objects.filter(discovery_type="saptune_discovery").count() == 1

    # A HANA instance arrives on the host: the saptune policy now knows the host runs SAP.
    post(client, agent_key, load(shared_dir, "web/sap_system_discovery_database.json"))
    for _ in range(3):
        post(client, agent_key, saptune)

    assert DiscoveryEvent.objects.filter(discovery_type="saptune_discovery").count() == 2


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"HTTP_X_TRENTO_APIKEY": "jct_nope_nope"}, 401)],
)
def test_without_a_valid_agent_key_it_is_401(client, shared_dir, headers, status):
    body = json.dumps(load(shared_dir, "web/host_discovery.json"))
    response = client.post("/api/v1/collect", data=body, content_type="application/json", **headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == "unauthorized"
    assert not DiscoveryEvent.objects.exists()


def test_a_key_of_another_system_is_refused(client, shared_dir):
    _, key = factories.producer_with_key("CRM")
    assert collect(client, key, load(shared_dir, "web/host_discovery.json")).status_code == 401


def test_the_header_name_is_case_insensitive(client, agent_key, shared_dir):
    body = json.dumps(load(shared_dir, "web/host_discovery.json"))
    response = client.post(
        "/api/v1/collect", data=body, content_type="application/json", headers={"x-trento-apikey": agent_key}
    )
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("envelope", "paths"),
    [
        ({"discovery_type": "host_discovery", "payload": {}}, ["/agent_id"]),
        ({"agent_id": "nope", "discovery_type": "host_discovery", "payload": {}}, ["/agent_id"]),
        ({"agent_id": DB_HOST, "discovery_type": "host_discovery", "payload": 3}, ["/payload"]),
        ({"agent_id": DB_HOST, "discovery_type": "host_discovery", "payload": {}, "extra": 1}, ["/extra"]),
        ({"agent_id": DB_HOST, "discovery_type": "coffee_discovery", "payload": {}}, ["/discovery_type"]),
    ],
)
def test_an_envelope_breaking_the_contract_is_422_with_the_failing_paths(client, agent_key, envelope, paths):
    response = collect(client, agent_key, envelope)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_envelope"
    assert [d["path"] for d in response.json()["error"]["details"]] == paths
    assert not DiscoveryEvent.objects.exists()


def test_a_body_that_is_not_json_is_422(client, agent_key):
    response = client.post("/api/v1/collect", data="{", content_type="application/json", HTTP_X_TRENTO_APIKEY=agent_key)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_json")


def test_preview_answers_the_commands_and_changes_nothing(client, agent_key, shared_dir):
    envelope = load(shared_dir, "web/host_discovery.json")

    response = collect(client, agent_key, envelope, path="/api/v1/collect/preview")

    assert response.status_code == 200
    (command,) = response.json()["commands"]
    assert (command["type"], command["stream_id"]) == ("RegisterHost", f"host-{DB_HOST}")
    assert command["payload"]["hostname"] == "suse"
    assert response.json()["rejections"] == []
    assert not DiscoveryEvent.objects.exists()
    assert not EventRecord.objects.exists()
    assert not CommandRecord.objects.exists()


def test_preview_shows_enrichment_rejections_and_policy_errors(client, agent_key, shared_dir):
    application = load(shared_dir, "web/sap_system_discovery_application.json")
    rejected = collect(client, agent_key, application, path="/api/v1/collect/preview").json()
    assert rejected["commands"] == []
    assert [r["code"] for r in rejected["rejections"]] == ["associated_database_not_found"]

    invalid = load(shared_dir, "web/host_discovery_with_prometheus_mode_invalid.json")
    response = collect(client, agent_key, invalid, path="/api/v1/collect/preview")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["path"] == "/payload/prometheus_mode"


def test_a_concurrent_observation_of_the_same_target_is_dropped(client, agent_key, shared_dir):
    collect(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    stored = DiscoveryEvent.objects.get()
    cache.add(f"discovery:lock:{DB_HOST}:host_discovery", 1, timeout=30)
    try:
        assert services.discovery_process(discovery_id=stored.pk) == DiscoveryEvent.State.DROPPED
    finally:
        cache.delete(f"discovery:lock:{DB_HOST}:host_discovery")
    assert not store.read_stream(f"host-{DB_HOST}")
    assert not LastDiscovery.objects.exists()


def test_a_cluster_discovery_also_locks_the_whole_cluster(shared_dir):
    envelope = load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json")
    stored = DiscoveryEvent(
        agent_id=envelope["agent_id"], discovery_type=envelope["discovery_type"], payload=envelope["payload"]
    )
    assert services._lock_keys(stored)[1] == "discovery:lock:cluster:34a94290-2236-5e4d-8def-05beb32d14d4"


def test_an_older_pending_discovery_is_superseded_by_a_newer_one(client, agent_key, shared_dir):
    envelope = load(shared_dir, "web/host_discovery.json")
    collect(client, agent_key, envelope)
    collect(client, agent_key, {**envelope, "payload": {**envelope["payload"], "hostname": "newer"}})

    process()

    assert list(DiscoveryEvent.objects.order_by("pk").values_list("state", flat=True)) == ["superseded", "processed"]
    assert Host.objects.get().hostname == "newer"


def test_the_sweep_processes_discoveries_whose_task_was_lost(client, agent_key, shared_dir):
    collect(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    assert services.discoveries_sweep() == 0  # still within the grace period
    DiscoveryEvent.objects.update(received_at=timezone.now() - timedelta(minutes=5))

    assert services.discoveries_sweep() == 1
    assert DiscoveryEvent.objects.get().state == DiscoveryEvent.State.PROCESSED


def test_pruning_deletes_discoveries_and_dead_letters_past_the_retention_in_batches(
    client, agent_key, shared_dir, settings
):
    settings.DISCOVERY_PRUNE_BATCH_SIZE = 2
    for fixture in ("web/host_discovery.json", "web/host_discovery_with_prometheus_mode_invalid.json"):
        post(client, agent_key, load(shared_dir, fixture))
    post(client, agent_key, load(shared_dir, "web/cloud_discovery_aws.json"))  # another agent's: rejected
    old = timezone.now() - timedelta(days=11)
    DiscoveryEvent.objects.exclude(discovery_type="cloud_discovery").update(received_at=old)
    DiscardedDiscoveryEvent.objects.update(discarded_at=old)

    assert services.discoveries_prune() == 4

    assert list(DiscoveryEvent.objects.values_list("discovery_type", flat=True)) == ["cloud_discovery"]
    assert not DiscardedDiscoveryEvent.objects.exists()


def test_retrying_a_dead_letter_processes_it_again(client, agent_key, shared_dir):
    post(client, agent_key, as_agent(load(shared_dir, "web/cloud_discovery_aws.json"), DB_HOST))  # before its host
    discarded = DiscardedDiscoveryEvent.objects.get()
    assert discarded.code == "host_not_registered"
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))

    assert services.discarded_retry(discarded=discarded) == DiscoveryEvent.State.PROCESSED
    settle()

    assert not DiscardedDiscoveryEvent.objects.exists()
    assert Host.objects.get().provider == "aws"


def test_after_an_older_dead_letter_is_retried_the_agents_current_discovery_applies_again(
    client, agent_key, shared_dir
):
    aws = as_agent(load(shared_dir, "web/cloud_discovery_aws.json"), DB_HOST)
    post(client, agent_key, aws)  # before its host: a dead letter
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    azure = as_agent(load(shared_dir, "web/cloud_discovery_azure.json"), DB_HOST)
    for _ in range(3):  # the agent's current discovery, then its identical repeats
        post(client, agent_key, azure)

    services.discarded_retry(discarded=DiscardedDiscoveryEvent.objects.get())
    settle()
    assert Host.objects.get().provider == "aws"
    post(client, agent_key, azure)

    assert Host.objects.get().provider == "azure"


def test_a_heartbeat_of_a_registered_host_is_204_and_only_the_first_one_is_an_event(client, agent_key, shared_dir):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))

    for _ in range(3):
        response = client.post(f"/api/v1/hosts/{DB_HOST}/heartbeat", HTTP_X_TRENTO_APIKEY=agent_key)
        assert response.status_code == 204
        process()

    assert [e.type for e in store.read_stream(f"host-{DB_HOST}")] == [
        "HostRegistered",
        "SoftwareUpdatesDiscoveryRequested",
        "HeartbeatSucceeded",
    ]
    assert Heartbeat.objects.get().timestamp > timezone.now() - timedelta(seconds=5)
    assert Host.objects.get().heartbeat == "passing"


def test_a_heartbeat_of_an_unknown_host_is_404_and_needs_a_key(client, agent_key):
    unknown = "00000000-0000-4000-8000-000000000001"
    response = client.post(f"/api/v1/hosts/{unknown}/heartbeat", HTTP_X_TRENTO_APIKEY=agent_key)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "host_not_found")
    assert client.post(f"/api/v1/hosts/{unknown}/heartbeat").status_code == 401
    _, key = api_key_create(system=factories.system("Other"), name="x")
    assert client.post(f"/api/v1/hosts/{unknown}/heartbeat", HTTP_X_TRENTO_APIKEY=key).status_code == 401
