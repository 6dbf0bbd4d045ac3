"""The feed over HTTP from the web server as `make run` starts it: long polls and Server-Sent Events while
writers commit late or roll back, and waiting readers that never hold up a webhook."""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection, transaction

from apps.eventstore import store
from apps.eventstore.store import NewEvent
from tests.eventlog.conftest import grant
from tests.hub import factories

WRITERS, APPENDS_EACH = 8, 6


class RolledBack(Exception):
    pass


def write(writer: int) -> list[str]:
    """Append with commits held open a while; every third transaction rolls back. The committed names."""
    committed = []
    try:
        for n in range(APPENDS_EACH):
            name = f"w{writer}-{n}"
            try:
                with transaction.atomic():
                    store.append(f"writer-{writer}", [NewEvent("Test.Written", {"name": name})])
                    time.sleep(random.uniform(0, 0.15))  # others commit meanwhile, some with later positions
                    if n % 3 == 2:
                        raise RolledBack
            except RolledBack:
                continue
            committed.append(name)
    finally:
        connection.close()
    return committed


def follow_by_polling(base: str, key: str) -> list[dict]:
    """Long polls from the start until the writers' end mark."""
    seen, after = [], 0
    while not seen or seen[-1]["type"] != "Test.End":
        params = {"after": after, "wait": 5, "limit": 7}
        page = requests.get(f"{base}/api/v1/events", params=params, headers={"X-API-Key": key}, timeout=30).json()
        seen += page["events"]
        after = page["next"]
    return seen


def server_sent(base: str, key: str, *, until: str, last_event_id: int | None = None) -> list[dict]:
    """Follow the stream until the event named ``until`` (or of that type)."""
    headers = {"X-API-Key": key, "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    seen, event_id = [], None
    with requests.get(f"{base}/api/v1/events", headers=headers, stream=True, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                seen.append(json.loads(line[6:]))
                assert seen[-1]["position"] == event_id
                if until in (seen[-1]["type"], seen[-1]["data"].get("name")):
                    return seen
    raise AssertionError(f"the stream ended before {until}")


@pytest.mark.django_db(transaction=True)
def test_consumers_see_every_committed_event_once_in_order_while_writers_commit_late(web):
    key = grant()
    with ThreadPoolExecutor(2 + WRITERS) as pool:
        by_polling = pool.submit(follow_by_polling, web, key)
        by_stream = pool.submit(server_sent, web, key, until="Test.End")
        writers = [pool.submit(write, writer) for writer in range(WRITERS)]
        committed = {name for writer in writers for name in writer.result()}
        store.append("end", [NewEvent("Test.End", {})])
        followed = {"long polling": by_polling.result(timeout=60), "server-sent events": by_stream.result(timeout=60)}

    in_read_order = [str(e.event_id) for e in store.read_all() if e.type == "Test.Written"]
    assert len(in_read_order) == len(committed) == WRITERS * APPENDS_EACH * 2 // 3
    for how, seen in followed.items():
        written = [e for e in seen if e["type"] == "Test.Written"]
        names = [e["data"]["name"] for e in written]
        assert len(names) == len(set(names)), f"{how}: an event was seen twice"
        assert set(names) == committed, f"{how}: an event was missed, or a rolled-back one was seen"
        assert [e["event_id"] for e in written] == in_read_order, f"{how}: not in the store's read order"


@pytest.mark.django_db(transaction=True)
def test_a_stream_resumes_from_last_event_id_without_gap_or_repeat(web):
    key = grant()
    first = [store.append("s-1", [NewEvent("Test.Written", {"name": f"a{n}"})])[0] for n in range(3)]
    seen = server_sent(web, key, until="a2")
    assert seen[-1]["position"] == first[-1].position

    for n in range(3):
        store.append("s-1", [NewEvent("Test.Written", {"name": f"b{n}"})])
    resumed = server_sent(web, key, until="b2", last_event_id=seen[-1]["position"])

    assert [e["data"]["name"] for e in seen + resumed] == ["a0", "a1", "a2", "b0", "b1", "b2"]


@pytest.mark.django_db(transaction=True)
def test_waiting_readers_never_hold_up_a_webhook(web):
    reader = grant()
    shop, producer = factories.producer_with_key("Shop")
    event_type = factories.event_type(shop, "order placed")
    last = store.append("s-1", [NewEvent("Test.Written", {"name": "a"})])[0]

    def wait_for_nothing() -> dict:
        params = {"after": last.position, "wait": 6, "types": "Test.Never"}
        return requests.get(f"{web}/api/v1/events", params=params, headers={"X-API-Key": reader}, timeout=60).json()

    with ThreadPoolExecutor(12) as pool:
        waiting = [pool.submit(wait_for_nothing) for _ in range(12)]  # more than the web server's threads
        time.sleep(1)
        sent = requests.post(
            f"{web}/api/v1/events/{event_type.identifier}", json={"id": 1}, headers={"X-API-Key": producer}, timeout=10
        )
        assert sent.status_code == 202
        assert not any(w.done() for w in waiting), "the webhook answered only once the readers were done"
        assert all(w.result()["events"] == [] for w in waiting)
