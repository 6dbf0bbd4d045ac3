import json
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apps.hub.models import Action, ApiKey, Contract, EventType, System
from apps.hub.services import api_key_create
from tests.hub import factories
from tests.ingest.test_webhook import post as send_event
from tests.subscriber import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm():
    return factories.system("CRM", role=System.Role.PRODUCER)


@pytest.fixture
def erp():
    return factories.system("ERP", role=System.Role.SUBSCRIBER)


def action_data(system: System, **overrides) -> dict:
    """Everything the action form posts, as a person would fill it in."""
    data = {
        "name": "create account",
        "identifier": "",
        "system": system.pk,
        "operation": "new",
        "description": "",
        "is_active": "on",
        "method": "POST",
        "url": "https://erp.example.com/accounts",
        "headers": "{}",
        "query_params": "{}",
        "body": "",
        "auth": "none",
        "auth_username": "",
        "auth_secret": "",
        "oauth_token_url": "",
        "oauth_client_id": "",
        "oauth_client_secret": "",
        "oauth_scope": "",
        "oauth_token_path": "$.access_token",
        "timeout_seconds": 10,
        "max_tries": 6,
        "max_in_flight": 10,
        "retry_base_seconds": 10,
        "retry_max_seconds": 3600,
        "response_event_type": "",
    }
    return {**data, **overrides}


def assert_refused(response, field: str, message: str) -> None:
    """The form came back with ``message`` on ``field``, shown on that field's row."""
    assert response.status_code == 200, "the form was accepted"
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors[field]
    page = response.content.decode()
    row = page[page.index(f"field-{field}") :]
    assert escape(message) in row[: row.index("</div>\n", row.index("errorlist"))]


def add(admin_client, model: str, data: dict):
    return admin_client.post(reverse(f"admin:hub_{model}_add"), data)


# --- validation messages ----------------------------------------------------------------------


def test_a_url_that_is_not_http_is_refused_on_the_url(admin_client, erp):
    response = add(admin_client, "action", action_data(erp, url="ftp://erp.example.com/accounts"))

    assert_refused(response, "url", "The URL must start with http:// or https://.")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://", "The URL has no host name after http(s)://"),
        ("https:/erp.example.com", "The URL has no host name after http(s)://"),
        ("https://erp example.com/accounts", "'erp example.com' is not a valid host name"),
        ("http://erp:99999/accounts", "The port after the host name must be a number from 1 to 65535."),
    ],
)
def test_a_malformed_url_is_refused_with_what_is_wrong(admin_client, erp, url, message):
    response = add(admin_client, "action", action_data(erp, url=url))

    assert_refused(response, "url", message)


@pytest.mark.parametrize("url", ["http://erp:8080/accounts", "https://{{ $.headers.x-tenant }}.example.com/a"])
def test_internal_hosts_and_placeholders_in_urls_are_accepted(admin_client, erp, url):
    response = add(admin_client, "action", action_data(erp, url=url))

    assert response.status_code == 302, response.content.decode()[:2000]


def test_an_unclosed_placeholder_is_refused_with_where_it_is(admin_client, erp):
    body = json.dumps({"account": {"id": "{{ $.body.customer.id"}})

    response = add(admin_client, "action", action_data(erp, body=body))

    assert_refused(response, "body", "body.account.id: a placeholder is not closed: every '{{' needs a '}}'")


def test_an_invalid_jsonpath_in_a_template_is_refused_with_its_location(admin_client, erp):
    headers = json.dumps({"X-Customer": "Customer {{ $.body.customer[ }}"})

    response = add(admin_client, "action", action_data(erp, headers=headers))

    assert_refused(response, "headers", "headers.X-Customer: '$.body.customer[' is not a valid JSONPath")
    assert_refused(response, "headers", "(at character 10)")


def test_text_that_is_not_json_is_refused_with_its_line_and_column(admin_client, erp):
    response = add(admin_client, "action", action_data(erp, body='{"id": 1\n "name": "Ada"}'))

    assert_refused(response, "body", "This is not valid JSON: Expecting ',' delimiter at line 2, column 2.")


def test_an_invalid_json_schema_is_refused_with_its_path(admin_client, crm):
    schema = {"type": "object", "properties": {"id": {"type": "integr"}}}
    data = {"name": "customer created", "identifier": "", "system": crm.pk, "operation": "new", "is_active": "on"}

    response = add(admin_client, "eventtype", {**data, "payload_schema": json.dumps(schema)})

    assert_refused(response, "payload_schema", "Not a valid JSON Schema at properties/id/type:")


def test_an_event_of_a_system_that_only_subscribes_is_refused(admin_client, erp):
    data = {"name": "order paid", "identifier": "", "system": erp.pk, "operation": "new", "payload_schema": ""}

    response = add(admin_client, "eventtype", data)

    assert_refused(response, "system", "ERP is not a producer: only producers send events.")


def test_a_contract_condition_that_is_not_jsonpath_is_refused(admin_client, crm, erp):
    event, action = factories.event_type(crm), factories.action(erp)
    data = {"name": "vip", "identifier": "", "event_type": event.pk, "action": action.pk, "is_active": "on"}

    response = add(admin_client, "contract", {**data, "condition": "body.customer.vip"})

    assert_refused(response, "condition", "'body.customer.vip' is not a JSONPath: it must start with '$'")


def test_oauth2_authentication_asks_for_what_it_needs_on_each_field(admin_client, erp):
    response = add(admin_client, "action", action_data(erp, auth="oauth2"))

    for field in ("oauth_token_url", "oauth_client_id", "oauth_client_secret"):
        assert_refused(response, field, "Required for OAuth2 client credentials.")


def test_a_valid_action_is_saved_with_its_json_and_shown_back_indented(admin_client, erp):
    body = {"id": "{{ $.body.customer.id }}", "label": "Customer {{ $.body.customer.name }}"}

    response = add(admin_client, "action", action_data(erp, body=json.dumps(body), headers=""))

    assert response.status_code == 302
    action = Action.objects.get()
    assert action.body == body
    assert action.headers == {}  # an empty box means the field's default
    page = admin_client.get(reverse("admin:hub_action_change", args=[action.pk])).content.decode()
    assert escape(json.dumps(body, indent=2)) in page


# --- secrets ----------------------------------------------------------------------------------


def test_secrets_are_never_shown_and_an_empty_box_keeps_them(admin_client, erp):
    response = add(admin_client, "action", action_data(erp, auth="bearer", auth_secret="s3cr3t-token"))
    assert response.status_code == 302
    action = Action.objects.get()
    url = reverse("admin:hub_action_change", args=[action.pk])

    page = admin_client.get(url).content.decode()
    assert "s3cr3t-token" not in page
    assert 'type="password"' in page
    assert "Leave empty to keep the current one" in page

    assert admin_client.post(url, action_data(erp, name="renamed", auth="bearer")).status_code == 302
    action.refresh_from_db()
    assert (action.name, action.auth_secret) == ("renamed", "s3cr3t-token")

    assert admin_client.post(url, action_data(erp, auth="bearer", auth_secret="n3w-token")).status_code == 302
    action.refresh_from_db()
    assert action.auth_secret == "n3w-token"


# --- send test request ------------------------------------------------------------------------

SCHEMA = {
    "type": "object",
    "properties": {
        "customer": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "email": {"type": "string", "format": "email"}},
        },
        "tags": {"type": "array", "items": {"enum": ["vip", "new"]}},
    },
}


def test_the_test_page_starts_from_an_example_of_the_event_of_a_contract(admin_client, crm, erp):
    action = factories.action(erp)
    factories.contract(factories.event_type(crm, payload_schema=SCHEMA), action)

    response = admin_client.get(reverse("admin:hub_action_test_send", args=[action.pk]))

    shown = response.context["form"]["sample_body"].value()
    assert json.loads(shown) == {"customer": {"id": 1, "email": "ada@example.com"}, "tags": ["vip"]}
    assert shown == json.dumps(json.loads(shown), indent=2)


def test_the_test_page_starts_from_an_empty_object_without_a_contract(admin_client, erp):
    action = factories.action(erp)

    response = admin_client.get(reverse("admin:hub_action_test_send", args=[action.pk]))

    assert response.context["form"]["sample_body"].value() == "{}"


def test_a_test_request_is_sent_to_the_subscriber_and_its_response_shown(admin_client, erp, subscriber):
    action = factories.action(
        erp,
        url=subscriber.url + "/accounts/{{ $.body.customer.id }}",
        body={"name": "{{ $.body.customer.name }}", "tenant": "{{ $.headers.x-tenant }}"},
    )
    subscriber.reply(Reply(201, {"account": "A-7", "created": True}))
    change_page = admin_client.get(reverse("admin:hub_action_change", args=[action.pk])).content.decode()
    assert reverse("admin:hub_action_test_send", args=[action.pk]) in change_page

    response = admin_client.post(
        reverse("admin:hub_action_test_send", args=[action.pk]),
        {"sample_body": '{"customer": {"id": 7, "name": "Ada"}}', "sample_headers": '{"X-Tenant": "north"}'},
    )

    (received,) = subscriber.received
    assert received.path == "/accounts/7"
    assert received.json() == {"name": "Ada", "tenant": "north"}
    page = response.content.decode()
    assert f"POST {subscriber.url}/accounts/7" in page
    assert '<span class="hub-status ok">201</span>' in page
    assert escape(json.dumps({"account": "A-7", "created": True}, indent=2)) in page
    assert escape(json.dumps({"name": "Ada", "tenant": "north"}, indent=2)) in page
    assert " ms</p>" in page


def test_a_test_request_that_cannot_be_rendered_shows_why_and_sends_nothing(admin_client, erp, subscriber):
    action = factories.action(erp, url=subscriber.url, body={"id": "{{ $.body.customer.id }}"})

    response = admin_client.post(reverse("admin:hub_action_test_send", args=[action.pk]), {"sample_body": "{}"})

    assert not subscriber.received
    assert "has no value at $.body.customer.id" in response.content.decode()


def test_a_sample_body_that_is_not_json_is_refused_on_the_form(admin_client, erp, subscriber):
    action = factories.action(erp, url=subscriber.url)

    response = admin_client.post(reverse("admin:hub_action_test_send", args=[action.pk]), {"sample_body": "{id: 1}"})

    assert not subscriber.received
    assert "This is not valid JSON" in response.context["form"].errors["sample_body"][0]


# --- credentials ------------------------------------------------------------------------------


def test_an_api_key_is_shown_once_then_only_its_prefix_and_revoking_it_stops_it(admin_client, client, crm):
    event = factories.event_type(crm)
    change_url = reverse("admin:hub_system_change", args=[crm.pk])
    assert reverse("admin:hub_system_api_key_create", args=[crm.pk]) in admin_client.get(change_url).content.decode()

    response = admin_client.post(reverse("admin:hub_system_api_key_create", args=[crm.pk]), {"name": "production"})

    assert "no-store" in response["Cache-Control"]
    key = response.context["secrets"][0][1]
    assert f'value="{key}"' in response.content.decode()
    assert "shown only this once" in response.content.decode()
    api_key = ApiKey.objects.get(system=crm)
    assert key.startswith(api_key.prefix)
    change_page = admin_client.get(change_url).content.decode()
    assert api_key.prefix in change_page
    assert key not in change_page
    assert send_event(client, event.identifier, {"id": 1}, key).status_code == 202

    revoke_url = reverse("admin:hub_system_api_key_revoke", args=[crm.pk, api_key.pk])
    assert "Events sent with this key will be refused" in admin_client.get(revoke_url).content.decode()
    assert admin_client.post(revoke_url).url == change_url

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert send_event(client, event.identifier, {"id": 1}, key).status_code == 401
    assert "revoked" in admin_client.get(change_url).content.decode()


def test_an_api_key_needs_a_name(admin_client, crm):
    response = admin_client.post(reverse("admin:hub_system_api_key_create", args=[crm.pk]), {"name": ""})

    assert response.context["form"].errors["name"] == ["This field is required."]
    assert not ApiKey.objects.exists()


def test_an_oauth_client_is_shown_once(admin_client, crm):
    url = reverse("admin:hub_system_oauth_client", args=[crm.pk])
    assert "Create the client" in admin_client.get(url).content.decode()

    response = admin_client.post(url)

    shown = dict(response.context["secrets"])
    crm.refresh_from_db()
    assert shown["Client id"] == crm.oauth_application.client_id
    assert shown["Token URL"] == "http://testserver/oauth/token/"
    change_page = admin_client.get(reverse("admin:hub_system_change", args=[crm.pk])).content.decode()
    assert crm.oauth_application.client_id in change_page
    assert shown["Client secret"] not in change_page
    assert "the new one replaces it" in admin_client.get(url).content.decode()


# --- soft delete ------------------------------------------------------------------------------


def test_deleting_hides_an_item_and_keeps_its_row(admin_client, crm):
    event = factories.event_type(crm)  # protected from a hard delete of the system
    delete_url = reverse("admin:hub_system_delete", args=[crm.pk])
    assert "nothing is erased" in admin_client.get(delete_url).content.decode()

    response = admin_client.post(delete_url, {"post": "yes"})

    assert response.status_code == 302
    deleted = System.all_objects.get(pk=crm.pk)
    assert deleted.deleted_at is not None
    assert not deleted.is_active
    assert not System.objects.filter(pk=crm.pk).exists()
    assert not EventType.objects.filter(pk=event.pk).exists()  # its events go with it ...
    assert EventType.all_objects.filter(pk=event.pk).exists()  # ... kept for history
    assert crm.pk not in [
        row.pk for row in admin_client.get(reverse("admin:hub_system_changelist")).context["cl"].result_list
    ]


def test_the_bulk_delete_action_soft_deletes_too(admin_client, crm, erp):
    contract = factories.contract(factories.event_type(crm), factories.action(erp))
    data = {"action": "delete_selected", "_selected_action": [contract.pk]}
    changelist = reverse("admin:hub_contract_changelist")
    assert "nothing is erased" in admin_client.post(changelist, data).content.decode()

    admin_client.post(changelist, {**data, "post": "yes"})

    assert Contract.all_objects.get(pk=contract.pk).deleted_at is not None
    assert not Contract.objects.exists()


# --- lists, autocomplete, identifiers ---------------------------------------------------------


def configuration(count: int) -> None:
    for number in range(count):
        producer = factories.system(f"Producer {number}", role=System.Role.PRODUCER)
        subscriber = factories.system(f"Subscriber {number}", role=System.Role.SUBSCRIBER)
        factories.contract(factories.event_type(producer), factories.action(subscriber))


@pytest.mark.parametrize("model", ["system", "eventtype", "action", "contract"])
def test_a_list_makes_as_many_queries_for_many_rows_as_for_one(admin_client, model):
    url = reverse(f"admin:hub_{model}_changelist")
    configuration(1)
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(url).status_code == 200

    configuration(5)
    with CaptureQueriesContext(connection) as six:
        admin_client.get(url)

    assert len(six) == len(one)


def test_the_contract_list_reads_as_sentences(admin_client, crm, erp):
    event, action = factories.event_type(crm, "customer created"), factories.action(erp, "create account")
    factories.contract(event, action, condition="$.body.customer.vip")
    shop = factories.system("Shop")
    factories.contract(factories.event_type(shop, "order paid"), factories.action(shop, "ship order"))

    page = admin_client.get(reverse("admin:hub_contract_changelist")).content.decode()

    assert (
        "WHEN in CRM <strong>customer created</strong> happens THEN in ERP do <strong>create account</strong>" in page
    )
    assert "customer created → create account · only if $.body.customer.vip" in page
    assert "when in system" in page
    assert "then in system" in page


def test_the_autocomplete_offers_producers_for_events_and_subscribers_for_actions(admin_client, crm, erp):
    both = factories.system("Shop", role=System.Role.BOTH)

    def offered(model: str) -> set[str]:
        query = {"app_label": "hub", "model_name": model, "field_name": "system", "term": ""}
        return {item["text"] for item in admin_client.get(reverse("admin:autocomplete"), query).json()["results"]}

    assert {crm.name, both.name} <= offered("eventtype")
    assert erp.name not in offered("eventtype")
    assert {erp.name, both.name} <= offered("action")
    assert crm.name not in offered("action")


def test_the_identifier_cannot_change_after_creation(admin_client, crm):
    url = reverse("admin:hub_system_change", args=[crm.pk])
    assert 'name="identifier"' not in admin_client.get(url).content.decode()
    assert 'name="identifier"' in admin_client.get(reverse("admin:hub_system_add")).content.decode()

    data = {"name": "CRM 2", "identifier": "other", "kind": "CRM", "role": "producer", "description": ""}
    management = {f"api_keys-{name}": value for name, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()}
    assert admin_client.post(url, {**data, **management}).status_code == 302

    crm.refresh_from_db()
    assert (crm.name, crm.identifier) == ("CRM 2", "crm")


def test_an_identifier_of_a_deleted_item_is_not_reused(admin_client, crm):
    crm.soft_delete()

    response = add(admin_client, "system", {"name": "New CRM", "identifier": "crm", "role": "producer"})

    assert_refused(response, "identifier", "'crm' is already used by another system (perhaps a deleted one).")


def test_deleting_a_system_hides_its_events_actions_and_their_contracts(crm):
    erp = factories.system("ERP")
    contract = factories.contract(factories.event_type(crm), factories.action(erp))

    crm.soft_delete()

    assert not Contract.objects.filter(pk=contract.pk).exists()
    assert Contract.all_objects.get(pk=contract.pk).deleted_at is not None
    assert Action.objects.filter(system=erp).exists()


def test_dotted_identifiers_can_be_typed(admin_client, crm):
    response = admin_client.post(
        reverse("admin:hub_eventtype_add"),
        {"name": "paid", "identifier": "crm.invoice.paid", "system": crm.pk, "operation": "new", "is_active": "on"},
    )

    assert response.status_code == 302
    assert EventType.objects.filter(identifier="crm.invoice.paid").exists()


def test_a_new_signing_secret_is_shown_once_and_signs_the_next_deliveries(admin_client, crm, subscriber):
    action = factories.action(factories.system("ERP"), url=subscriber.url)
    url = reverse("admin:hub_action_signing_secret", args=[action.pk])
    assert "Standard Webhooks" in admin_client.get(url).content.decode()

    page = admin_client.post(url).content.decode()

    action.refresh_from_db()
    assert action.signing_secret.startswith("whsec_")
    assert action.signing_secret in page
    assert (
        action.signing_secret
        not in admin_client.get(reverse("admin:hub_action_change", args=[action.pk])).content.decode()
    )


@pytest.mark.parametrize("model", [System, EventType, Action, Contract, ApiKey])
def test_every_field_people_fill_in_has_a_help_text(model):
    editable = [f for f in model._meta.get_fields() if getattr(f, "editable", False) and not f.auto_created]

    assert [f.name for f in editable if not getattr(f, "help_text", "")] == []


def test_the_action_form_shows_the_help_texts(admin_client):
    page = admin_client.get(reverse("admin:hub_action_add")).content.decode()

    for field in ("timeout_seconds", "oauth_token_url", "oauth_scope"):
        assert Action._meta.get_field(field).help_text in page


# --- how to send ------------------------------------------------------------------------------


def test_an_events_page_says_how_to_send_it_with_the_last_received_body(admin_client, client, crm):
    event = factories.event_type(crm)
    page = admin_client.get(reverse("admin:hub_eventtype_change", args=[event.pk])).content.decode()
    assert "How to send it" in page
    assert f"http://testserver/api/v1/events/{event.identifier}" in page
    assert "X-API-Key: YOUR_API_KEY" in page
    assert "Copy the example" in page

    key = api_key_create(system=crm, name="k")[1]
    assert send_event(client, event.identifier, {"order": 7}, key).status_code == 202
    page = admin_client.get(reverse("admin:hub_eventtype_change", args=[event.pk])).content.decode()
    assert escape("-d '{\"order\": 7}'") in page


def test_the_curl_example_on_a_new_keys_page_sends_the_event(admin_client, crm, live_server):
    event = factories.event_type(crm)
    response = admin_client.post(reverse("admin:hub_system_api_key_create", args=[crm.pk]), {"name": "production"})
    curl = response.context["how"].curl
    assert response.context["secrets"][0][1] in curl
    assert "How to send events with it" in response.content.decode()
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")

    command = curl.replace("http://testserver", live_server.url)
    sent = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=False)

    assert '"event_id"' in sent.stdout, sent
    assert f"/api/v1/events/{event.identifier}" in curl


def test_an_agents_key_page_shows_the_collect_endpoint_and_trentos_header(admin_client):
    agents = System.objects.get(identifier="agents")
    response = admin_client.post(reverse("admin:hub_system_api_key_create", args=[agents.pk]), {"name": "agent"})

    how = response.context["how"]
    assert (how.url, how.header) == ("http://testserver/api/v1/collect", "X-Trento-Apikey")
    assert f"X-Trento-Apikey: {response.context['secrets'][0][1]}" in how.curl
