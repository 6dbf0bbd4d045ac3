import pytest

from apps.eventstore import commands, store
from apps.eventstore.commands import Command, CommandRejected
from apps.eventstore.store import NewEvent
from tests.eventstore.counter import Counter  # noqa: F401 - registers the counter's commands

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    """An external request that led to a command, its event, and a rejected command."""
    (received,) = store.append("order-7", [NewEvent("Test.OrderPlaced", {"total": 3})])
    accepted = Command.caused_by(received, "Test.SetCeiling", "counter-7", {"ceiling": 3})
    (ceiling_set,) = commands.dispatch(accepted)
    with pytest.raises(CommandRejected):
        commands.dispatch(Command.caused_by(ceiling_set, "Test.Increment", "counter-7", {"by": 9}))
    return received


def test_the_api_shows_the_whole_causal_tree_of_a_request(admin_client, story):
    response = admin_client.get(f"/api/v1/correlations/{story.correlation_id}/tree")

    assert response.status_code == 200
    (root,) = response.json()["roots"]
    assert (root["kind"], root["type"]) == ("event", "Test.OrderPlaced")
    (command,) = root["children"]
    assert (command["kind"], command["type"], command["outcome"]) == (
        "command",
        "Test.SetCeiling",
        "accepted",
    )
    (event,) = command["children"]
    assert event["type"] == "Test.CeilingSet"
    (rejected,) = event["children"]
    assert rejected["outcome"] == "rejected"
    assert rejected["error"]["code"] == "ceiling_reached"


def test_the_api_reads_the_events_of_a_stream(admin_client, story):
    response = admin_client.get("/api/v1/streams/counter-7/events")

    assert response.status_code == 200
    assert [e["type"] for e in response.json()["events"]] == ["Test.CeilingSet"]


def test_unknown_streams_and_correlations_are_structured_404s(admin_client):
    stream = admin_client.get("/api/v1/streams/nope/events")
    tree = admin_client.get("/api/v1/correlations/00000000-0000-0000-0000-000000000000/tree")

    assert (stream.status_code, stream.json()["error"]["code"]) == (404, "stream_not_found")
    assert (tree.status_code, tree.json()["error"]["code"]) == (404, "correlation_not_found")


def test_the_api_is_for_staff_only(client, story):
    response = client.get("/api/v1/streams/counter-7/events")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_admin_browses_events_and_draws_the_causal_tree(admin_client, story):
    listing = admin_client.get("/admin/eventstore/eventrecord/", {"event_type": "Test.CeilingSet"})
    search = admin_client.get("/admin/eventstore/eventrecord/", {"q": str(story.correlation_id)})
    tree = admin_client.get(f"/admin/eventstore/eventrecord/tree/{story.correlation_id}/")

    assert listing.status_code == 200
    assert b"counter-7" in listing.content
    assert b"order-7" not in listing.content
    assert b"order-7" in search.content
    assert tree.status_code == 200
    for text in (b"Test.OrderPlaced", b"Test.SetCeiling", b"Test.CeilingSet", b"ceiling_reached"):
        assert text in tree.content
