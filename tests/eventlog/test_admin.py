"""Giving a system access to the event log in the admin, and reading with it at once."""

import pytest

from apps.eventlog.models import LogAccess
from apps.eventstore import store
from apps.eventstore.store import NewEvent
from tests.hub import factories

pytestmark = pytest.mark.django_db


def test_a_person_gives_a_system_access_to_some_events_and_a_command(admin_client, client):
    lake, key = factories.producer_with_key("Data lake")
    store.append("order-1", [NewEvent("Order.Placed", {"id": 1})])
    store.append("invoice-1", [NewEvent("Invoice.Sent", {"id": 1})])

    page = admin_client.get("/admin/eventlog/logaccess/add/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Order.Placed"' in html  # events are picked from those known, not typed
    assert 'value="SelectChecks"' in html
    assert "/api/v1/events?after=0&amp;limit=100" in html  # how to use it, with this hub's address

    saved = admin_client.post(
        "/admin/eventlog/logaccess/add/",
        {"system": lake.pk, "reads_feed": "on", "event_types": ["Order.Placed"], "commands": ["SelectChecks"]},
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    access = LogAccess.objects.get(system=lake)
    assert access.event_types == ["Order.Placed"]
    assert access.commands == ["SelectChecks"]

    events = client.get("/api/v1/events", HTTP_X_API_KEY=key).json()["events"]
    assert [e["type"] for e in events] == ["Order.Placed"]
    listing = admin_client.get("/admin/eventlog/logaccess/").content.decode()
    assert "Data lake" in listing
    assert "Order.Placed" in listing


def test_the_menu_has_event_log_access_under_integrations(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert "Event log access" in html
