import json

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.hub import factories
from tests.ingest.test_webhook import post as send_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(client):
    """One event received from CRM and one from Shop, through the real webhook."""
    crm, crm_key = factories.producer_with_key("CRM")
    shop, shop_key = factories.producer_with_key("Shop")
    customer = factories.event_type(crm, "customer created")
    order = factories.event_type(shop, "order paid")
    body = {"customer": {"id": 42, "name": "Zoë"}}
    crm_event = send_event(client, customer.identifier, body, crm_key, **{"X-Request-Source": "crm-prod"})
    send_event(client, order.identifier + "?region=eu", {"order": 7}, shop_key)
    return crm_event.json()["event_id"], customer, order, body


def listed(admin_client, **query) -> list[str]:
    response = admin_client.get(reverse("admin:ingest_receivedevent_changelist"), query)
    assert response.status_code == 200
    return [event.event_type for event in response.context["cl"].result_list]


def test_received_events_are_listed_newest_first_with_their_system_and_a_link_to_what_they_caused(
    admin_client, received
):
    page = admin_client.get(reverse("admin:ingest_receivedevent_changelist")).content.decode()

    assert listed(admin_client) == ["shop.order_paid", "crm.customer_created"]
    assert reverse("admin:eventstore_causal_tree", args=[received[0]]) in page
    assert "crm (API key jct_" in page


def test_received_events_filter_by_system_event_and_date(admin_client, received):
    _, customer, order, _ = received

    assert listed(admin_client, system="crm") == [customer.identifier]
    assert listed(admin_client, event=order.identifier) == [order.identifier]
    assert listed(admin_client, system="crm", event=order.identifier) == []
    assert len(listed(admin_client, recorded_at__gte="2000-01-01 00:00:00+00:00")) == 2
    page = admin_client.get(reverse("admin:ingest_receivedevent_changelist")).content.decode()
    assert "CRM · customer created" in page


def test_received_events_are_found_by_event_id(admin_client, received):
    event_id, customer, _, _ = received

    assert listed(admin_client, q=event_id) == [customer.identifier]
    assert listed(admin_client, q="order") == ["shop.order_paid"]


def test_a_received_event_shows_body_headers_and_query_pretty_printed_and_cannot_be_changed(admin_client, received):
    event_id, _, _, body = received
    admin_list = admin_client.get(reverse("admin:ingest_receivedevent_changelist"), {"q": event_id})
    event = admin_list.context["cl"].result_list[0]

    page = admin_client.get(reverse("admin:ingest_receivedevent_change", args=[event.pk])).content.decode()

    assert escape(json.dumps(body, indent=2, ensure_ascii=False)) in page
    assert escape('"X-Request-Source": "crm-prod"') in page
    assert 'name="_save"' not in page
    assert admin_client.get(reverse("admin:ingest_receivedevent_add")).status_code == 403
