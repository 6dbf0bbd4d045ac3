"""The global feed: every event in read order from a cursor the consumer keeps, as its access allows."""

import threading
import time
from uuid import uuid4

import pytest
from django.db import connection

from apps.eventstore import store
from apps.eventstore.store import Causation, NewEvent
from tests.eventlog.conftest import grant
from tests.hub import factories

pytestmark = pytest.mark.django_db


def append(stream: str, event_type: str = "Test.Happened", causation: Causation | None = None, **data):
    return store.append(stream, [NewEvent(event_type, data)], causation=causation)[0]


def feed(client, key: str | None, **params):
    headers = {"HTTP_X_API_KEY": key} if key else {}
    return client.get("/api/v1/events", params, **headers)


def read_all_pages(client, key: str, *, after: int = 0, limit: int = 2, **params) -> list[dict]:
    events = []
    while True:
        page = feed(client, key, after=after, limit=limit, **params).json()
        events += page["events"]
        if not page["has_more"]:
            return events
        after = page["next"]


def test_a_consumer_pages_through_every_event_in_order_with_its_cursor(client, reader):
    appended = [append(f"order-{n}", n=n) for n in range(5)]

    first = feed(client, reader, after=0, limit=2).json()
    assert [e["data"] for e in first["events"]] == [{"n": 0}, {"n": 1}]
    assert first["next"] == appended[1].position
    assert first["has_more"] is True

    rest = read_all_pages(client, reader, after=first["next"])
    assert [e["event_id"] for e in first["events"] + rest] == [str(e.event_id) for e in appended]
    event = rest[-1]
    assert event["type"] == "Test.Happened"
    assert event["stream_id"] == "order-4"
    assert event["stream_version"] == 1
    assert event["correlation_id"] == str(appended[-1].correlation_id)
    assert event["recorded_at"].endswith("Z")

    caught_up = feed(client, reader, after=appended[-1].position).json()
    assert caught_up == {"events": [], "next": appended[-1].position, "has_more": False}


def test_the_feed_asks_for_credentials_and_access(client, db):
    append("order-1")
    _, key = factories.producer_with_key("Shop")

    assert feed(client, None).status_code == 401
    assert feed(client, "jk_wrong_key").json()["error"]["code"] == "credentials_invalid"
    refused = feed(client, key)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "feed_not_allowed"
    assert "Event log access" in refused.json()["error"]["message"]
    assert feed(client, grant("Lake", reads_feed=False)).status_code == 403


def test_a_system_limited_to_some_event_types_reads_only_those(client, db):
    append("order-1", "Order.Placed")
    append("invoice-1", "Invoice.Sent")
    append("order-1", "Order.Shipped")
    key = grant(event_types=["Order.Placed", "Order.Shipped"])

    assert [e["type"] for e in read_all_pages(client, key)] == ["Order.Placed", "Order.Shipped"]
    assert [e["type"] for e in read_all_pages(client, key, types="Order.Shipped")] == ["Order.Shipped"]
    refused = feed(client, key, types="Invoice.Sent,Order.Placed")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "event_types_not_allowed"


def test_filters_by_type_stream_prefix_and_correlation(client, reader):
    request = Causation(correlation_id=uuid4())
    append("host-1", "HostRegistered", causation=request)
    append("cluster-1", "ClusterRegistered", causation=request)
    append("host-2", "HostRegistered")

    def types(**params) -> list[tuple[str, str]]:
        return [(e["type"], e["stream_id"]) for e in read_all_pages(client, reader, **params)]

    assert types(types="HostRegistered") == [("HostRegistered", "host-1"), ("HostRegistered", "host-2")]
    assert types(stream_prefix="cluster-") == [("ClusterRegistered", "cluster-1")]
    assert types(correlation_id=str(request.correlation_id)) == [
        ("HostRegistered", "host-1"),
        ("ClusterRegistered", "cluster-1"),
    ]


def test_a_reader_of_rare_events_moves_on_past_the_others(client, reader, settings):
    settings.EVENTLOG_SCAN_WINDOW = 10
    many = [append(f"noise-{n}") for n in range(25)]
    rare = append("rare-1", "Test.Rare")

    page = feed(client, reader, types="Test.Rare", limit=5).json()
    assert page["events"] == []
    assert page["next"] == many[9].position
    after = page["next"]
    while not (page := feed(client, reader, types="Test.Rare", after=after).json())["events"]:
        assert page["next"] > after
        after = page["next"]
    assert page["events"][0]["event_id"] == str(rare.event_id)


def test_payload_fields_named_like_secrets_are_hidden(client, reader):
    append(
        "account-1",
        "Account.Created",
        email="ada@example.com",
        password="hunter2",
        settings={"apiKey": "k-123", "theme": "dark", "oauth": {"client_secret": "s3"}},
        sessions=[{"token": "t-1", "device": "phone"}],
        note="my password is not here",
    )

    (event,) = read_all_pages(client, reader)

    assert event["data"] == {
        "email": "ada@example.com",
        "password": "[hidden]",
        "settings": {"apiKey": "[hidden]", "theme": "dark", "oauth": {"client_secret": "[hidden]"}},
        "sessions": [{"token": "[hidden]", "device": "phone"}],
        "note": "my password is not here",
    }


def test_an_unknown_cursor_or_bad_parameter_is_a_clear_400(client, reader):
    last = append("order-1")

    unknown = feed(client, reader, after=last.position + 1000)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "unknown_position"
    assert feed(client, reader, limit=0).status_code == 400
    assert feed(client, reader, wait=61).status_code == 400
    assert feed(client, reader, correlation_id="not-a-uuid").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_long_poll_answers_as_soon_as_an_event_is_committed(client):
    key = grant()
    last = append("order-1")

    def append_later():
        time.sleep(0.5)
        append("order-2", n=2)
        connection.close()

    threading.Thread(target=append_later).start()
    started = time.monotonic()
    page = feed(client, key, after=last.position, wait=20).json()

    assert [e["data"] for e in page["events"]] == [{"n": 2}]
    assert time.monotonic() - started < 15  # woken by the event, not by the end of the wait


def test_a_long_poll_with_nothing_new_answers_empty_at_the_end_of_its_wait(client, reader):
    last = append("order-1")

    page = feed(client, reader, after=last.position, wait=0.3).json()

    assert page == {"events": [], "next": last.position, "has_more": False}


def test_a_stream_ends_when_the_store_cannot_be_read_so_the_client_resumes(monkeypatch):
    from django.db import OperationalError

    from apps.eventlog import services

    stream = services.feed_stream(after=0, where=services.FeedFilter(), gone=lambda: False, seconds=30)
    assert next(stream).startswith(b"retry: ")

    def database_restarting(**kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(services, "feed_page", database_restarting)
    assert list(stream) == []  # ends at once, no exception: the browser reconnects with Last-Event-ID
