"""Many events in one request: stored in one transaction, all or none, each as if it had come alone."""

import json
from uuid import UUID

import pytest

from apps.delivery.models import Execution
from apps.eventstore import store
from apps.eventstore.models import EventRecord
from apps.ingest.models import RefusedRequest
from tests.hub import factories
from tests.ingest.test_webhook import GOOD, SCHEMA
from tests.subscriptions import catch_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm():
    producer, key = factories.producer_with_key("CRM")
    created = factories.event_type(producer, "customer created", payload_schema=SCHEMA)
    deleted = factories.event_type(producer, "customer deleted")
    return key, created, deleted


def send(client, events, key, **headers):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    data = events if isinstance(events, (bytes, str)) else json.dumps({"events": events})
    return client.post("/api/v1/events", data=data, content_type="application/json", HTTP_X_API_KEY=key, **extra)


def received() -> int:
    return EventRecord.objects.filter(stream_id__startswith="received-").count()


def test_a_batch_is_stored_as_separate_events_in_the_order_sent(client, crm):
    key, created, deleted = crm
    batch = [
        {"event": created.identifier, "body": GOOD},
        {"event": deleted.identifier, "body": {"id": 42}},
        {"event": created.identifier, "body": {"customer": {"id": 43, "email": "grace@example.com"}}},
    ]

    response = send(client, batch, key, **{"X-Request-Source": "crm-prod"})

    assert response.status_code == 202, response.content
    answers = response.json()["events"]
    assert [answer["status"] for answer in answers] == ["accepted"] * 3
    stored = [store.read_stream(f"received-{answer['event_id']}")[0] for answer in answers]
    assert [(event.type, event.data["body"]) for event in stored] == [(i["event"], i["body"]) for i in batch]
    assert [event.position for event in stored] == sorted(event.position for event in stored)
    for event in stored:
        assert event.correlation_id == event.event_id  # each its own request, as if sent alone
        assert event.data["headers"]["X-Request-Source"] == "crm-prod"
        assert "X-Api-Key" not in event.data["headers"]
        assert event.actor.startswith("crm (API key ")


def test_one_refused_event_refuses_the_batch_with_every_reason_and_stores_nothing(client, crm):
    key, created, _ = crm
    other = factories.event_type(factories.system("ERP"), "invoice paid")
    batch = [
        {"event": created.identifier, "body": GOOD},
        {"event": created.identifier, "body": {"customer": {"id": "x"}}},
        {"event": "crm.no_such_event", "body": {}},
        {"event": other.identifier, "body": {}},
        "not an event",
        {"event": {"not": "an identifier"}, "body": {}},
        {"event": created.identifier, "body": GOOD, "idempotency_key": ""},
    ]

    response = send(client, batch, key)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "batch_refused"
    assert error["message"].startswith("6 of 7 events were refused (the first: #1, The body does not match")
    assert "nothing was stored" in error["message"]
    assert [(item["index"], item["code"]) for item in error["details"]] == [
        (1, "schema_mismatch"),
        (2, "event_not_found"),
        (3, "event_of_another_system"),
        (4, "item_invalid"),
        (5, "item_invalid"),
        (6, "invalid_idempotency_key"),
    ]
    assert received() == 0
    refusal = RefusedRequest.objects.get()
    assert (refusal.event_identifier, refusal.code, refusal.status) == ("(batch)", "batch_refused", 422)


@pytest.mark.parametrize("types", [2, 14], ids=["a few event types", "more than are read from the cache"])
def test_a_batch_of_many_event_types_is_checked_against_each_as_it_is_now(client, admin_client, crm, types):
    key, created, _ = crm
    system = created.system
    kinds = [factories.event_type(system, f"kind {n}") for n in range(types)]
    batch = [{"event": kind.identifier, "body": {"n": n}} for n, kind in enumerate(kinds)]
    assert send(client, batch, key).status_code == 202

    url = f"/api/v1/event-types/{kinds[-1].identifier}"
    switched_off = admin_client.patch(url, {"is_active": False}, content_type="application/json")
    assert switched_off.status_code == 200, switched_off.content
    response = send(client, batch, key)

    assert response.status_code == 422
    assert [(item["index"], item["code"]) for item in response.json()["error"]["details"]] == [
        (types - 1, "event_not_found")
    ]
    assert received() == types


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"events": []}, "batch_invalid"),
        ({"events": {"event": "x"}}, "batch_invalid"),
        ([{"event": "x"}], "batch_invalid"),
        ("{not json", "body_not_json"),
    ],
)
def test_a_batch_that_is_not_a_list_of_events_says_what_to_send(client, crm, payload, code):
    key, _, _ = crm

    response = send(client, payload if isinstance(payload, str) else json.dumps(payload), key)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert received() == 0


def test_a_batch_over_the_limits_is_refused_before_reading_it(client, crm, settings):
    key, _, deleted = crm
    settings.INGEST_BATCH_MAX_EVENTS = 3
    too_many = send(client, [{"event": deleted.identifier, "body": {"id": n}} for n in range(4)], key)
    settings.INGEST_BATCH_MAX_BYTES = 100
    too_big = send(client, [{"event": deleted.identifier, "body": {"note": "x" * 200}}], key)

    assert too_many.status_code == 422
    assert "1 to 3 events" in too_many.json()["error"]["message"]
    assert too_big.status_code == 413
    assert received() == 0


def test_idempotency_keys_of_a_batch_answer_with_the_first_event(client, crm):
    key, _, deleted = crm
    batch = [
        {"event": deleted.identifier, "body": {"id": 1}, "idempotency_key": "delete-1"},
        {"event": deleted.identifier, "body": {"id": 2}, "idempotency_key": "delete-2"},
        {"event": deleted.identifier, "body": {"id": 1}, "idempotency_key": "delete-1"},  # twice in one batch
    ]

    first = send(client, batch, key).json()["events"]
    again = send(client, [*batch, {"event": deleted.identifier, "body": {"id": 3}}], key).json()["events"]

    assert [answer["status"] for answer in first] == ["accepted", "accepted", "replayed"]
    assert first[2]["event_id"] == first[0]["event_id"]
    assert [answer["status"] for answer in again] == ["replayed", "replayed", "replayed", "accepted"]
    assert [answer["event_id"] for answer in again[:3]] == [answer["event_id"] for answer in first]
    assert received() == 3


def test_a_batch_needs_the_producers_credentials(client, crm):
    _, _, deleted = crm

    response = send(client, [{"event": deleted.identifier, "body": {}}], "jct_wrong")

    assert response.status_code == 401
    assert received() == 0


def test_the_events_of_a_batch_run_their_contracts_like_any_other(client, crm, subscriber):
    key, created, _ = crm
    action = factories.action(factories.system("ERP", role="subscriber"), url=subscriber.url)
    factories.contract(created, action)

    answers = send(client, [{"event": created.identifier, "body": GOOD}] * 2, key).json()["events"]
    catch_up("delivery.router")

    assert {execution.event_id for execution in Execution.objects.all()} == {UUID(a["event_id"]) for a in answers}
