"""The web server's direct route to a webhook answers, stores and refuses exactly as Django's whole
stack does: status, headers and body, the event as stored, the refusals kept."""

import json

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import RequestFactory

from apps.core.machine_api import direct_route
from apps.discovery.models import DiscoveryEvent
from apps.eventstore.models import EventRecord
from apps.ingest.models import RefusedRequest
from tests.discovery.agents import DB_HOST, agent_api_key, process
from tests.discovery.support import load
from tests.hub import factories

pytestmark = pytest.mark.django_db

SCHEMA = {"type": "object", "required": ["customer"]}
GOOD = {"customer": {"id": 42}}


@pytest.fixture(autouse=True)
def connection_kept_open():
    """As Django's test client does: the request signals must not close the test's transaction."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def crm(settings):
    settings.AUTH_FAILURES_ALLOWED = 3
    producer, key = factories.producer_with_key("CRM")
    event = factories.event_type(producer, "customer created", payload_schema=SCHEMA)
    factories.event_type(factories.producer_with_key("ERP")[0], "order placed")
    return key, event


def environ(path, body, *, key=None, agent_key=None, content_type="application/json", address="203.0.113.7", **headers):
    """A fresh request's WSGI environ (its body can be read once)."""
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    if key:
        extra["HTTP_X_API_KEY"] = key
    if agent_key:
        extra["HTTP_X_TRENTO_APIKEY"] = agent_key
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    request = RequestFactory().post(path, data=data, content_type=content_type, REMOTE_ADDR=address, **extra)
    return request.environ


def answer(app, env):
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=sorted(headers))

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return started["status"], started["headers"], json.loads(body) if body else None


def full_and_direct(*args, **kwargs):
    full = answer(WSGIHandler(), environ(*args, **kwargs))
    direct_env = environ(*args, **kwargs)
    route = direct_route(direct_env)
    assert route is not None
    return full, answer(route, direct_env)


def test_an_accepted_event_gets_the_same_answer_and_is_stored_the_same(crm):
    key, event = crm

    full, direct = full_and_direct(f"/api/v1/events/{event.identifier}", GOOD, key=key, **{"X-Source": "crm"})

    assert full[0] == direct[0] == "202 Accepted"
    assert full[1] == direct[1]
    assert full[2]["status"] == direct[2]["status"] == "accepted"
    stored = [EventRecord.objects.get(event_id=answered[2]["event_id"]).data for answered in (full, direct)]
    assert stored[0] == stored[1]
    assert stored[1]["headers"]["X-Source"] == "crm"
    assert "X-Api-Key" not in stored[1]["headers"]


def test_a_repeated_idempotency_key_is_answered_the_same(crm):
    key, event = crm
    path = f"/api/v1/events/{event.identifier}"
    first = answer(WSGIHandler(), environ(path, GOOD, key=key, **{"Idempotency-Key": "order-1"}))

    full, direct = full_and_direct(path, GOOD, key=key, **{"Idempotency-Key": "order-1"})

    assert full == direct
    assert direct[2]["event_id"] == first[2]["event_id"]
    assert ("Idempotent-Replayed", "true") in direct[1]


@pytest.mark.parametrize(
    ("path", "body", "options", "status", "code"),
    [
        ("/api/v1/events/crm.customer_created", GOOD, {}, "401 Unauthorized", "credentials_missing"),
        ("/api/v1/events/crm.customer_created", GOOD, {"key": "jct_00000000_wrong"}, "401 Unauthorized",
         "credentials_invalid"),
        ("/api/v1/events/crm.nothing_like_it", GOOD, {"key": True}, "404 Not Found", "event_not_found"),
        ("/api/v1/events/erp.order_placed", GOOD, {"key": True}, "403 Forbidden", "event_of_another_system"),
        ("/api/v1/events/crm.customer_created", {"id": 1}, {"key": True}, "422 Unprocessable Entity",
         "schema_mismatch"),
        ("/api/v1/events/crm.customer_created", b"{not json", {"key": True}, "422 Unprocessable Entity",
         "body_not_json"),
        ("/api/v1/events/crm.customer_created", b"<a/>", {"key": True, "content_type": "application/xml"},
         "415 Unsupported Media Type", "unsupported_media_type"),
        ("/api/v1/events/crm.customer_created?x=%00", GOOD, {"key": True}, "400 Bad Request", "bad_url"),
    ],
)  # fmt: skip
def test_a_refused_request_gets_the_same_error_and_is_kept_the_same(crm, path, body, options, status, code):
    key, _ = crm
    if options.get("key") is True:
        options = {**options, "key": key}

    full, direct = full_and_direct(path, body, **options)

    assert full == direct
    assert direct[0] == status
    assert direct[2]["error"]["code"] == code
    if code != "bad_url":  # refused before any view, as by the whole stack
        kept = list(RefusedRequest.objects.order_by("id").values("code", "status", "headers", "body_excerpt"))
        assert len(kept) == 2
        assert kept[0] == kept[1]


def test_a_throttled_sender_gets_the_same_429(crm):
    key, event = crm
    path = f"/api/v1/events/{event.identifier}"
    for n in range(3):
        answer(WSGIHandler(), environ(path, GOOD, key=f"jct_{n:08x}_wrong"))

    full, direct = full_and_direct(path, GOOD, key=key)

    assert full[0] == direct[0] == "429 Too Many Requests"
    assert direct[2] == full[2]
    assert dict(direct[1])["Retry-After"]


def test_an_agents_discovery_and_heartbeats_get_the_same_answers(shared_dir):
    key = agent_api_key()
    envelope = load(shared_dir, "web/host_discovery.json")

    full, direct = full_and_direct("/api/v1/collect", envelope, agent_key=key)

    assert full == direct
    assert full[0] == "202 Accepted"
    assert DiscoveryEvent.objects.count() == 2  # each answer stored its discovery (not yet processed)
    process()
    for agent, status in ((DB_HOST, "204 No Content"), ("0b7a2c32-1111-4c5e-9d7f-000000000000", "404 Not Found")):
        full, direct = full_and_direct(f"/api/v1/hosts/{agent}/heartbeat", b"", agent_key=key)
        assert full == direct
        assert direct[0] == status
    full, direct = full_and_direct(f"/api/v1/hosts/{DB_HOST}/heartbeat", b"", agent_key="jct_00000000_wrong")
    assert full == direct
    assert direct[0] == "401 Unauthorized"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/events/crm.customer_created"),
        ("POST", "/api/v1/events"),
        ("POST", "/api/v1/collect/preview"),
        ("POST", "/admin/login/"),
        ("POST", "/api/v1/nowhere"),
    ],
)
def test_everything_else_takes_the_whole_stack(method, path):
    assert direct_route({"PATH_INFO": path, "REQUEST_METHOD": method}) is None
