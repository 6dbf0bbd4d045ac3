"""Building from real events: the fields of received events, 'Test this contract', and template defaults."""

import json

import pytest
from django.urls import reverse

from apps.hub import templating
from apps.hub.models import System
from apps.hub.outbound import sample_context
from tests.delivery.conftest import receive
from tests.hub import factories
from tests.subscriber import Reply

pytestmark = pytest.mark.django_db

ORDER = {"order": {"id": 42, "total": 99.5, "lines": [{"sku": "A-1"}, {"sku": "B-2"}]}, "country": "DE", "paid": True}


@pytest.fixture
def shop(client):
    producer, key = factories.producer_with_key("Shop")
    order_placed = factories.event_type(producer, "order placed")
    return order_placed, key


@pytest.fixture
def contract(shop, subscriber):
    order_placed, _ = shop
    erp = factories.system("ERP", role=System.Role.SUBSCRIBER)
    action = factories.action(
        erp, url=subscriber.url + "/orders/{{ $.body.order.id }}", body={"total": "{{ $.body.order.total }}"}
    )
    return factories.contract(order_placed, action, condition='$[?(@.body.country == "DE")]')


def fields_of(admin_client, event_type) -> dict:
    response = admin_client.get(reverse("admin:hub_eventtype_fields", args=[event_type.pk]))
    assert response.status_code == 200
    return response.json()


def test_the_fields_of_the_last_events_received_are_offered_newest_first(admin_client, client, shop):
    order_placed, key = shop
    older = receive(client, key, order_placed.identifier, {"order": {"id": 1}})
    newer = receive(client, key, order_placed.identifier, ORDER)

    samples = fields_of(admin_client, order_placed)["samples"]

    assert [sample["id"] for sample in samples] == [str(newer), str(older)]
    fields = {field["path"]: field for field in samples[0]["fields"]}
    assert fields["$.body.order.id"]["shown"] == "42"
    assert fields["$.body.order.id"]["placeholder"] == "{{ $.body.order.id }}"
    assert "$.body.order.lines[0].sku" in fields  # of a list, its first item
    assert fields["$.body.country"]["condition"] == '$[?(@.body.country == "DE")]'
    assert fields["$.event.id"]["shown"] == json.dumps(str(newer))
    assert "$.headers.x-api-key" not in fields  # the credential is not part of the event


def test_an_event_never_received_has_no_samples_and_the_picker_says_what_to_do(admin_client, shop, contract):
    order_placed, _ = shop

    assert fields_of(admin_client, order_placed)["samples"] == []
    page = admin_client.get(reverse("admin:hub_contract_test", args=[contract.pk])).content.decode()
    assert "No order placed event has been received yet" in page


def test_choosing_a_sample_previews_the_request_without_sending_it(admin_client, client, shop, contract, subscriber):
    order_placed, key = shop
    event_id = receive(client, key, order_placed.identifier, ORDER)

    page = admin_client.get(reverse("admin:hub_contract_test", args=[contract.pk]), {"sample": str(event_id)})

    text = page.content.decode()
    assert "The condition $[?(@.body.country == &quot;DE&quot;)] holds." in text
    assert f"POST {subscriber.url}/orders/42" in text
    assert "&quot;total&quot;: 99.5" in text
    assert subscriber.received == []


def test_a_sample_the_condition_refuses_says_nothing_would_be_sent(admin_client, client, shop, contract, subscriber):
    order_placed, key = shop
    receive(client, key, order_placed.identifier, {**ORDER, "country": "FR"})

    page = admin_client.get(reverse("admin:hub_contract_test", args=[contract.pk])).content.decode()

    assert "does not hold for this event: nothing would be sent" in page
    assert subscriber.received == []


def test_testing_a_contract_can_send_the_request_for_real(admin_client, client, shop, contract, subscriber):
    order_placed, key = shop
    receive(client, key, order_placed.identifier, ORDER)
    subscriber.reply(Reply(201, {"accepted": True}))
    changed = {**ORDER, "order": {**ORDER["order"], "id": 43}}

    page = admin_client.post(
        reverse("admin:hub_contract_test", args=[contract.pk]), {"body": json.dumps(changed), "send_it": "on"}
    )

    (received,) = subscriber.received
    assert received.path == "/orders/43"
    assert received.json() == {"total": 99.5}
    assert '<span class="hub-status ok">201</span>' in page.content.decode()


def test_the_contract_page_offers_its_test_and_the_field_picker(admin_client, contract):
    page = admin_client.get(reverse("admin:hub_contract_change", args=[contract.pk])).content.decode()

    assert reverse("admin:hub_contract_test", args=[contract.pk]) in page
    assert 'id="field-picker" data-target="condition"' in page


def test_a_template_default_stands_in_for_a_missing_value_and_the_value_wins_when_present():
    body = {
        "customer": "{{ $.body.customer.id }}",
        "note": '{{ $.body.note ?? "none" }}',
        "vip": "{{ $.body.vip ?? false }}",
    }

    missing = templating.render(body, sample_context(event_type="order", body={"customer": {"id": 7}}))
    present = templating.render(
        body, sample_context(event_type="order", body={"customer": {"id": 7}, "note": "gift", "vip": True})
    )

    assert missing == {"customer": 7, "note": "none", "vip": False}
    assert present == {"customer": 7, "note": "gift", "vip": True}


def test_a_default_that_is_not_json_is_refused_when_the_action_is_saved():
    with pytest.raises(templating.TemplateError, match="default"):
        templating.validate({"note": "{{ $.body.note ?? none }}"})


def test_a_schema_written_from_the_events_received_accepts_their_like_and_refuses_the_rest(admin_client, client, shop):
    order_placed, key = shop
    receive(client, key, order_placed.identifier, ORDER)
    receive(client, key, order_placed.identifier, {**ORDER, "paid": False, "note": "gift"})

    page = admin_client.get(reverse("admin:hub_eventtype_change", args=[order_placed.pk]))
    schema = json.loads(page.context["schema_from_samples"])
    assert "Write a schema from the events received" in page.content.decode()
    assert schema["properties"]["order"]["properties"]["id"] == {"type": "integer"}
    assert "note" not in schema["required"]  # only one event had it
    order_placed.payload_schema = schema
    order_placed.full_clean()
    order_placed.save()

    receive(client, key, order_placed.identifier, {**ORDER, "order": {"id": 7, "total": 1, "lines": []}})
    refused = client.post(
        f"/api/v1/events/{order_placed.identifier}",
        data=json.dumps({**ORDER, "order": {"id": "seven"}}),
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )
    assert refused.status_code == 422
    assert "order" in json.dumps(refused.json()["error"])


def test_an_event_never_received_offers_no_schema(admin_client, shop):
    order_placed, _ = shop

    page = admin_client.get(reverse("admin:hub_eventtype_change", args=[order_placed.pk]))

    assert page.context["schema_from_samples"] is None
    assert "Write a schema from the events received" not in page.content.decode()
