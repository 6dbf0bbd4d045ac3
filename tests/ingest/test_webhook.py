import json
import logging
import warnings

import pytest
from django.core.cache import CacheKeyWarning
from django.db import connection

from apps.eventstore import store
from apps.eventstore.models import EventRecord
from apps.hub.models import ApiKey
from apps.hub.services import api_key_authenticate, api_key_create, api_key_revoke
from apps.ingest.models import IdempotencyKey
from tests.hub import factories

pytestmark = pytest.mark.django_db

SCHEMA = {
    "type": "object",
    "required": ["customer"],
    "properties": {
        "customer": {
            "type": "object",
            "required": ["id", "email"],
            "properties": {"id": {"type": "integer"}, "email": {"type": "string", "format": "email"}},
        }
    },
}


@pytest.fixture
def crm():
    producer, key = factories.producer_with_key("CRM")
    event = factories.event_type(producer, "customer created", payload_schema=SCHEMA)
    return producer, key, event


def post(client, identifier, body, key=None, **headers):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    if key:
        extra["HTTP_X_API_KEY"] = key
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(f"/api/v1/events/{identifier}", data=data, content_type="application/json", **extra)


GOOD = {"customer": {"id": 42, "email": "ada@example.com"}}


def test_an_accepted_event_is_stored_with_body_and_headers_minus_credentials(client, crm):
    _, key, event = crm

    response = post(client, event.identifier, GOOD, key, **{"X-Request-Source": "crm-prod"})

    assert response.status_code == 202
    event_id = response.json()["event_id"]
    (stored,) = store.read_stream(f"received-{event_id}")
    assert stored.type == event.identifier == "crm.customer_created"
    assert stored.data["body"] == GOOD
    assert stored.data["system"] == "crm"
    assert stored.data["headers"]["X-Request-Source"] == "crm-prod"
    assert "X-Api-Key" not in stored.data["headers"]
    assert stored.correlation_id == stored.event_id
    assert stored.actor.startswith("crm (API key jct_")


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_the_answer_is_json_whatever_the_producer_accepts(client, crm, accept):
    _, key, event = crm

    accepted = post(client, event.identifier, GOOD, key, Accept=accept)
    refused = post(client, event.identifier, {"customer": {}}, key, Accept=accept)

    assert accepted.status_code == 202
    assert accepted["Content-Type"] == "application/json"
    assert accepted.json()["status"] == "accepted"
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["error"]["code"]


def test_the_key_can_come_in_the_url_and_is_not_stored(client, crm):
    _, key, event = crm

    response = client.post(
        f"/api/v1/events/{event.identifier}?access_key={key}&source=batch",
        data=json.dumps(GOOD),
        content_type="application/json",
    )

    assert response.status_code == 202
    stored = EventRecord.objects.get()
    assert stored.data["query"] == {"source": "batch"}
    assert key not in json.dumps(stored.data)


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (None, "credentials_missing"),
        ("jct_0000_wrong", "credentials_invalid"),
        ("nope", "credentials_invalid"),
    ],
)
def test_missing_or_wrong_credentials_are_401(client, crm, key, code):
    response = post(client, crm[2].identifier, GOOD, key)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert not EventRecord.objects.exists()


def test_a_revoked_key_is_401_at_once_and_another_active_key_still_works(client, crm):
    producer, key, event = crm
    _, second_key = api_key_create(system=producer, name="rotation")
    assert post(client, event.identifier, GOOD, key).status_code == 202  # authenticated keys are cached
    api_key_revoke(api_key=ApiKey.objects.get(name="test"))

    assert post(client, event.identifier, GOOD, key).status_code == 401
    assert post(client, event.identifier, GOOD, second_key).status_code == 202


def test_the_keys_of_a_deleted_system_are_401_at_once(client, crm):
    producer, key, event = crm
    assert post(client, event.identifier, GOOD, key).status_code == 202

    producer.soft_delete()

    response = post(client, event.identifier, GOOD, key)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "credentials_invalid")


def test_a_cached_key_is_authenticated_without_a_query(crm, queries_beyond_the_cache):
    _, key, _ = crm
    assert api_key_authenticate(key) is not None  # read, cached, last use recorded

    with queries_beyond_the_cache() as queries:
        assert api_key_authenticate(key).system.identifier == "crm"

    assert queries == []


def test_a_known_event_is_received_with_one_query_the_append(client, crm, queries_beyond_the_cache):
    _, key, event = crm
    assert post(client, event.identifier, GOOD, key).status_code == 202  # key and event type read, cached

    with queries_beyond_the_cache() as queries:
        assert post(client, event.identifier, GOOD, key).status_code == 202

    # The append only (PostgreSQL's prepared statements are captured without their text).
    (append,) = [query for query in queries if not query.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert append == "" or "INSERT INTO eventstore_eventrecord" in append


def test_an_event_deactivated_or_moved_is_refused_at_once_though_it_was_cached(client, crm):
    _, key, event = crm
    assert post(client, event.identifier, GOOD, key).status_code == 202

    event.is_active = False
    event.save()
    inactive = post(client, event.identifier, GOOD, key)
    event.is_active = True
    event.system = factories.system("ERP")
    event.save()
    moved = post(client, event.identifier, GOOD, key)

    assert inactive.status_code == 404
    assert moved.status_code == 403


def test_an_event_of_another_system_is_403(client, crm):
    _, key, _ = crm
    erp = factories.system("ERP")
    other = factories.event_type(erp, "invoice paid")

    response = post(client, other.identifier, GOOD, key)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "event_of_another_system"
    assert not EventRecord.objects.exists()  # a refused request stores nothing


def test_an_unknown_or_inactive_event_is_404(client, crm):
    _, key, event = crm
    event.is_active = False
    event.save()

    for identifier in ("crm.nothing", event.identifier):
        response = post(client, identifier, GOOD, key)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "event_not_found"
        assert not EventRecord.objects.exists()  # a refused request stores nothing


def test_a_body_that_is_not_json_is_422(client, crm):
    response = post(client, crm[2].identifier, b"{not json", crm[1])

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "body_not_json"
    assert not EventRecord.objects.exists()  # a refused request stores nothing


def test_a_body_that_fails_the_schema_is_422_with_the_failing_path(client, crm):
    response = post(client, crm[2].identifier, {"customer": {"id": "42"}}, crm[1])

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "schema_mismatch"
    paths = {detail["path"] for detail in error["details"]}
    assert paths == {"$.customer", "$.customer.id"}
    assert not EventRecord.objects.exists()


def test_a_changed_schema_checks_the_next_event(client, crm):
    _, key, event = crm
    assert post(client, event.identifier, GOOD, key).status_code == 202

    event.payload_schema = {**SCHEMA, "required": ["customer", "order"]}
    event.save()
    refused = post(client, event.identifier, GOOD, key)
    event.payload_schema = {"type": "object", "properties": {"n": {"maximum": 10**30}}}  # past 64 bits
    event.save()

    assert refused.status_code == 422
    assert "'order' is a required property" in refused.json()["error"]["message"]
    assert post(client, event.identifier, {"n": 1e29}, key).status_code == 202
    assert post(client, event.identifier, {"n": 2e30}, key).status_code == 422


def test_a_body_over_the_limit_is_413(client, crm, settings):
    settings.INGEST_MAX_BODY_BYTES = 100

    response = post(client, crm[2].identifier, {"customer": {"id": 1, "email": "x" * 200}}, crm[1])

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert not EventRecord.objects.exists()  # a refused request stores nothing


def test_a_repeated_idempotency_key_answers_the_first_event_and_stores_nothing_new(client, crm):
    _, key, event = crm

    first = post(client, event.identifier, GOOD, key, **{"Idempotency-Key": "order-1"})
    again = post(client, event.identifier, GOOD, key, **{"Idempotency-Key": "order-1"})

    assert first.status_code == again.status_code == 202
    assert again.json()["event_id"] == first.json()["event_id"]
    assert again["Idempotent-Replayed"] == "true"
    assert EventRecord.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_the_clear_key_is_nowhere_in_the_database_or_the_logs(client, crm, caplog):
    _, key, event = crm
    caplog.set_level(logging.DEBUG)

    post(client, event.identifier, GOOD, key)
    post(client, event.identifier, GOOD, key + "x")

    assert key not in caplog.text
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            assert key not in repr(cursor.fetchall()), table


def test_an_event_named_in_any_characters_is_looked_up_under_a_valid_cache_key(client, crm):
    _, key, _ = crm

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        response = post(client, "a b\tc", GOOD, key)

    assert not [w for w in warned if issubclass(w.category, CacheKeyWarning)]  # memcached refuses such keys
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "event_not_found"
