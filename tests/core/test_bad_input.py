"""Bad input at every door gets a structured error with the right 4xx, and nothing is stored."""

import pytest

from apps.discovery.models import DiscoveryEvent
from apps.eventstore.models import EventRecord
from apps.hub.models import Contract
from apps.ingest.models import ReceivedEvent
from tests.discovery.agents import agent_api_key
from tests.hub import factories

pytestmark = pytest.mark.django_db

DEEP = b"[" * 1000 + b"]" * 1000
#: Bodies JSON parsers disagree on, or that no database can store, with the words the error must use.
REFUSED_JSON = {
    "NaN": (b'{"amount": NaN}', "NaN is not a JSON number"),
    "Infinity": (b'{"amount": Infinity}', "Infinity is not a JSON number"),
    "-Infinity": (b'{"amount": -Infinity}', "-Infinity is not a JSON number"),
    "1e400": (b'{"amount": 1e400}', "too large for a double"),
    "NUL in a string": (b'{"name": "a\\u0000b"}', "contains a NUL character"),
    "NUL in a key": (b'{"a\\u0000b": 1}', "contains a NUL character"),
    "lone surrogate": (b'{"name": "\\ud800"}', "lone UTF-16 surrogate"),
    "nesting 1,000 deep": (DEEP, "nested deeper than 64 levels"),
    "nesting 65 deep": (b"[" * 65 + b"]" * 65, "nested deeper than 64 levels"),
    "integer of 5,000 digits": (b'{"n": ' + b"9" * 5000 + b"}", "is beyond 64 bits"),
    "integer past 64 bits": (b'{"n": 9223372036854775808}', "is beyond 64 bits"),
    "integer of 2**64": (b'{"n": 18446744073709551616}', "is beyond 64 bits"),
    "integer below -2**63": (b'{"n": [-9223372036854775809]}', "is beyond 64 bits"),
    "duplicate keys": (b'{"id": 1, "id": 2}', "The key 'id' appears twice"),
    "duplicate keys deep, colons in texts": (
        b'{"at": "12:00", "a:b": {"c": [{"x": 1, "x": 2}]}}',
        "The key 'x' appears twice",
    ),
    "duplicate keys, a colon escaped": (b'{"t": "\\u003a", "id": 1, "id": 2}', "The key 'id' appears twice"),
    "byte order mark": (b'\xef\xbb\xbf{"id": 1}', "byte order mark"),
    "UTF-16": ('{"id": 1}'.encode("utf-16"), "not UTF-8"),
    "not JSON": (b"{id: 1", "not valid JSON"),
}


@pytest.fixture
def producer():
    crm, key = factories.producer_with_key("CRM")
    return key, factories.event_type(crm, "customer created")


def nothing_stored() -> bool:
    return not EventRecord.objects.exists() and not ReceivedEvent.objects.exists()


@pytest.mark.parametrize(("body", "words"), REFUSED_JSON.values(), ids=REFUSED_JSON.keys())
def test_the_webhook_refuses_json_that_readers_disagree_on(client, producer, body, words):
    key, event = producer

    response = client.post(
        f"/api/v1/events/{event.identifier}", body, content_type="application/json", HTTP_X_API_KEY=key
    )

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "body_not_json"
    assert words in error["message"]
    assert nothing_stored()


@pytest.mark.parametrize("name", ["NaN", "NUL in a string", "nesting 1,000 deep", "duplicate keys"])
def test_collect_refuses_them_too(client, name):
    body, words = REFUSED_JSON[name]

    response = client.post(
        "/api/v1/collect", body, content_type="application/json", HTTP_X_TRENTO_APIKEY=agent_api_key()
    )

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_json"
    assert words in response.json()["error"]["message"]
    assert not DiscoveryEvent.objects.exists()


def test_the_configuration_api_refuses_them_too(admin_client, producer):
    _, _event = producer

    response = admin_client.post(
        "/api/v1/contracts", b'{"name": "x", "event_type": "\\u0000"}', content_type="application/json"
    )

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_json"
    assert not Contract.objects.exists()


def test_a_body_declared_as_something_else_than_json_is_refused(client, producer):
    key, event = producer

    response = client.post(f"/api/v1/events/{event.identifier}", b'{"id": 1}', content_type="text/plain",
                           HTTP_X_API_KEY=key)  # fmt: skip

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert "Content-Type: application/json" in response.json()["error"]["message"]
    assert nothing_stored()


def test_an_idempotency_key_over_200_characters_is_refused(client, producer):
    key, event = producer

    response = client.post(f"/api/v1/events/{event.identifier}", b'{"id": 1}', content_type="application/json",
                           HTTP_X_API_KEY=key, HTTP_IDEMPOTENCY_KEY="k" * 201)  # fmt: skip

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert nothing_stored()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/systems/%00"),
        ("post", "/api/v1/events/x%00y"),
        ("get", "/api/v1/streams/%00/events"),
        ("get", "/api/v1/executions?contract=%00"),
    ],
)
def test_a_nul_character_in_the_url_is_a_400(admin_client, method, url):
    response = getattr(admin_client, method)(url)

    assert response.status_code == 400
    assert response.json()["error"] == {"code": "bad_url", "message": "The URL contains a NUL character (%00)."}


def test_a_limit_or_offset_beyond_what_a_database_takes_is_bounded(admin_client, producer):
    response = admin_client.get("/api/v1/systems", {"limit": 2**64, "offset": 2**64})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    "url",
    ["/api/v1/streams/0/events?after_version=1021222366906306527232", "/api/v1/checks/executions?page=10000000000"],
)
def test_a_position_or_page_beyond_what_a_database_takes_is_a_400(admin_client, url):
    response = admin_client.get(url)

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to" in str(response.json()["error"])


def test_a_database_that_cannot_be_reached_gives_a_json_503_with_retry_after(rf):
    from django.db import OperationalError

    from apps.core.middleware import RequestGuardMiddleware

    def database_down(request):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    response = RequestGuardMiddleware(database_down)(rf.post("/api/v1/events/x"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    assert b"database_unavailable" in response.content
    assert b"127.0.0.1" not in response.content  # nothing of the hub's insides for an outsider


def test_the_echo_endpoint_echoes_what_is_not_json_as_text(client):
    response = client.post("/api/v1/echo/x", b"\x00", content_type="application/json")

    assert response.status_code == 200
    assert response.json()["body"] == "\x00"
