"""A single event whose key, event type and sender this process holds is answered on the web server's
event loop and stored with the events that other requests sent meanwhile, one transaction a group:
with the answer of the whole stack, header for header, and stored as it would be. Whatever the loop
cannot answer at once (a refusal to keep, something to look up) is left to a thread, as before."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError
from django.test import RequestFactory

from apps.core.group_commit import GroupCommit
from apps.core.machine_api import loop_route
from apps.eventstore.models import EventRecord
from apps.hub import services as hub_services
from apps.hub.models import ApiKey
from apps.ingest import apis, services
from apps.ingest.models import IdempotencyKey, RefusedRequest
from tests.hub import factories
from tests.processes import start_web

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the group's thread stores with its own connection
    pytest.mark.skipif(
        not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"),
        reason="the loop answers from the process's copy of the shared cache, which follows Redis",
    ),
]

SCHEMA = {"type": "object", "required": ["customer"]}
GOOD = {"customer": {"id": 42}}
PATH = "/api/v1/events/crm.customer_created"


def environ(path=PATH, body=GOOD, *, key=None, content_type="application/json", **headers):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    if key:
        extra["HTTP_X_API_KEY"] = key
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    request = RequestFactory().post(path, data=data, content_type=content_type, REMOTE_ADDR="203.0.113.7", **extra)
    return request.environ


def whole_stack(env):
    started = {}
    result = WSGIHandler()(env, lambda status, headers, exc_info=None: started.update(status=status, headers=headers))
    try:
        return started["status"], sorted(started["headers"]), b"".join(result)
    finally:
        result.close()


async def on_loop(env):
    answering = loop_route(env)
    if answering is None:
        return None
    status, headers, content = await answering
    return status, sorted(headers), content


def event_id(answer) -> str:
    return json.loads(answer[2])["event_id"]


@pytest.fixture(autouse=True)
def received_together(monkeypatch):
    """The webhook's group commit, whose thread's connection is closed before the test database goes."""
    group_commit = GroupCommit(services.events_store, max_group=500, name="test-group-commit")
    monkeypatch.setattr(apis, "received_together", group_commit)
    yield group_commit
    group_commit.stop()


@pytest.fixture
def crm():
    """A producer whose key and event type this process holds: its first event took the whole stack."""
    producer, key = factories.producer_with_key("CRM")
    factories.event_type(producer, "customer created", payload_schema=SCHEMA)
    factories.event_type(factories.producer_with_key("ERP")[0], "order placed")
    assert whole_stack(environ(key=key))[0] == "202 Accepted"
    return key


def test_an_event_answered_on_the_loop_gets_the_whole_stacks_answer_and_is_stored_the_same(crm):
    full = whole_stack(environ(key=crm, **{"X-Source": "crm"}))
    loop = asyncio.run(on_loop(environ(key=crm, **{"X-Source": "crm"})))

    assert loop is not None, "the loop left it to a thread"
    assert loop[0] == full[0] == "202 Accepted"
    assert loop[1] == full[1]
    assert json.loads(loop[2])["status"] == "accepted"
    records = [EventRecord.objects.get(event_id=event_id(answered)) for answered in (full, loop)]
    assert records[0].event_id != records[1].event_id
    for field in ("stream_version", "event_type", "schema_version", "data", "actor", "cause_id"):
        assert getattr(records[0], field) == getattr(records[1], field), field
    assert records[1].stream_id == f"received-{records[1].event_id}"
    assert records[1].correlation_id == records[1].event_id
    assert records[1].data["headers"]["X-Source"] == "crm"
    assert "X-Api-Key" not in records[1].data["headers"]


def test_events_sent_at_once_are_stored_together_each_as_its_own(crm):
    async def send_all():
        return await asyncio.gather(*(on_loop(environ(body={"customer": {"id": n}}, key=crm)) for n in range(60)))

    answers = asyncio.run(send_all())

    assert all(answer is not None and answer[0] == "202 Accepted" for answer in answers)
    ids = [event_id(answer) for answer in answers]
    records = {str(record.event_id): record for record in EventRecord.objects.filter(event_id__in=ids)}
    assert len(records) == 60
    assert [records[event_id].data["body"]["customer"]["id"] for event_id in ids] == list(range(60))
    assert all(str(record.correlation_id) == event_id for event_id, record in records.items())
    transactions = {record.tx for record in records.values()}
    assert len(transactions) < 10, f"{len(transactions)} transactions for 60 events sent at once"


def test_a_repeated_idempotency_key_is_answered_with_the_first_event_even_within_one_group(crm):
    async def send_twice():
        return await asyncio.gather(*(on_loop(environ(key=crm, **{"Idempotency-Key": "order-1"})) for _ in range(2)))

    first, second = asyncio.run(send_twice())
    later = asyncio.run(on_loop(environ(key=crm, **{"Idempotency-Key": "order-1"})))
    full = whole_stack(environ(key=crm, **{"Idempotency-Key": "order-1"}))

    assert event_id(first) == event_id(second) == event_id(later) == event_id(full)
    assert ("Idempotent-Replayed", "true") not in first[1]
    assert ("Idempotent-Replayed", "true") in second[1]
    assert later == full
    assert IdempotencyKey.objects.filter(key="order-1").count() == 1
    assert EventRecord.objects.filter(event_id=event_id(first)).count() == 1


def key_never_used():
    _, key = factories.producer_with_key("Shop")
    return key


@pytest.mark.parametrize(
    ("request_of", "why"),
    [
        (lambda key: environ(), "no key"),
        (lambda key: environ(key="jct_00000000_wrong"), "a wrong key"),
        (lambda key: environ(key=key_never_used()), "a key this process does not hold yet"),
        (lambda key: environ("/api/v1/events/crm.nothing_like_it", key=key), "an unknown event"),
        (lambda key: environ("/api/v1/events/erp.order_placed", key=key), "another system's event"),
        (lambda key: environ(body={"id": 1}, key=key), "a body off the schema"),
        (lambda key: environ(body=b"{not json", key=key), "a body that is not JSON"),
        (lambda key: environ(body=b"<a/>", key=key, content_type="application/xml"), "a body declared as XML"),
        (lambda key: environ(key=key, **{"Idempotency-Key": "k" * 201}), "an idempotency key too long"),
        (lambda key: environ(**{"Authorization": "Bearer abc"}), "an OAuth2 token"),
    ],
)
def test_what_the_loop_cannot_answer_at_once_is_left_to_a_thread(crm, request_of, why):
    env = request_of(crm)
    stored = EventRecord.objects.count()

    assert asyncio.run(on_loop(env)) is None, why
    assert EventRecord.objects.count() == stored
    assert not RefusedRequest.objects.exists()  # kept by the whole stack, which answers it


def test_a_key_whose_last_use_is_to_be_recorded_is_left_to_a_thread(crm, monkeypatch):
    monkeypatch.setattr(hub_services, "LAST_USED_RESOLUTION", timedelta(0))  # every use is to be recorded
    used_before = ApiKey.objects.get(system__identifier="crm").last_used_at

    assert asyncio.run(on_loop(environ(key=crm))) is None
    assert whole_stack(environ(key=crm))[0] == "202 Accepted"
    assert ApiKey.objects.get(system__identifier="crm").last_used_at > used_before


def test_a_throttled_sender_is_left_to_a_thread(crm, settings):
    settings.AUTH_FAILURES_ALLOWED = 3
    for n in range(3):
        whole_stack(environ(key=f"jct_{n:08x}_wrong"))

    assert asyncio.run(on_loop(environ(key=crm))) is None
    assert whole_stack(environ(key=crm))[0] == "429 Too Many Requests"


def test_a_request_for_another_host_is_refused_on_the_loop_as_by_the_whole_stack_and_nothing_is_stored(crm):
    stored = EventRecord.objects.count()

    loop = asyncio.run(on_loop(environ(key=crm, HOST="evil.example")))

    assert loop is not None
    assert loop == whole_stack(environ(key=crm, HOST="evil.example"))
    assert loop[0] == "400 Bad Request"
    assert EventRecord.objects.count() == stored


def test_when_the_group_cannot_reach_the_database_the_answer_is_the_guards_json_503(
    crm, received_together, monkeypatch
):
    def unreachable(receipts):
        raise OperationalError("connection refused")

    monkeypatch.setattr(received_together, "write_many", unreachable)
    stored = EventRecord.objects.count()

    status, headers, content = asyncio.run(on_loop(environ(key=crm)))

    assert status == "503 Service Unavailable"
    assert ("Retry-After", "5") in headers
    assert json.loads(content)["error"]["code"] == "database_unavailable"
    assert EventRecord.objects.count() == stored


@pytest.mark.slow
def test_a_web_server_stores_events_of_concurrent_producers_together(crm, tmp_path):
    """Through a real server: 32 producers at once, every event accepted and stored once, in far
    fewer transactions than events."""
    server, base = start_web(log_path=tmp_path / "web.log")
    try:
        session = requests.Session()

        def send(n):
            response = session.post(f"{base}{PATH}", json={"customer": {"id": n}}, headers={"X-API-Key": crm},
                                    timeout=10)  # fmt: skip
            return response.status_code, response.json()

        whole = [send(n) for n in range(3)]  # the server's process takes the key and event type in
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(send, range(3, 643)))
    finally:
        server.stop()
    assert {status for status, _ in whole + answers} == {202}
    ids = [body["event_id"] for _, body in answers]
    records = list(EventRecord.objects.filter(event_id__in=ids))
    assert sorted(record.data["body"]["customer"]["id"] for record in records) == list(range(3, 643))
    assert len({record.tx for record in records}) < len(records) * 0.8
