import base64

import pytest
from django.contrib.auth.models import User

from apps.hub.models import Action, ApiKey, Contract, EventType, System
from tests.hub import factories
from tests.ingest.test_webhook import post as send_event

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def crm():
    return factories.system("CRM", role=System.Role.PRODUCER)


@pytest.fixture
def erp():
    return factories.system("ERP", role=System.Role.SUBSCRIBER)


def error_details(response) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("invalid", "The request is not valid.")
    return error["details"]


# --- CRUD -------------------------------------------------------------------------------------


def test_a_whole_configuration_is_created_through_the_api(admin_client):
    system = admin_client.post(
        f"{API}/systems", {"name": "CRM", "kind": "SaaS", "role": "producer"}, content_type="application/json"
    )
    assert system.status_code == 201, system.content
    assert system.json() == {
        **system.json(),
        "identifier": "crm",
        "name": "CRM",
        "role": "producer",
        "kind": "SaaS",
        "is_active": True,
        "oauth_client_id": None,
    }
    admin_client.post(f"{API}/systems", {"name": "ERP", "role": "subscriber"}, content_type="application/json")

    event = admin_client.post(
        f"{API}/event-types",
        {"name": "customer created", "system": "crm", "payload_schema": {"type": "object"}},
        content_type="application/json",
    )
    action = admin_client.post(
        f"{API}/actions",
        {"name": "create account", "system": "erp", "url": "https://erp.example.com/a/{{ $.body.id }}"},
        content_type="application/json",
    )
    contract = admin_client.post(
        f"{API}/contracts",
        {"name": "new customers", "event_type": "crm.customer_created", "action": "erp.create_account"},
        content_type="application/json",
    )

    assert (event.status_code, action.status_code, contract.status_code) == (201, 201, 201)
    assert event.json()["identifier"] == "crm.customer_created"
    assert contract.json()["sentence"] == ("WHEN in CRM `customer created` happens THEN in ERP do `create account`")
    listed = admin_client.get(f"{API}/contracts").json()
    assert listed["count"] == 1
    assert listed["results"][0]["event_type"] == "crm.customer_created"


def test_an_item_is_read_and_changed_by_identifier_which_itself_never_changes(admin_client, crm):
    event = factories.event_type(crm)
    url = f"{API}/event-types/{event.identifier}"

    response = admin_client.patch(
        url, {"description": "A new customer", "identifier": "other"}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert admin_client.get(url).json()["description"] == "A new customer"
    event.refresh_from_db()
    assert (event.identifier, event.description) == ("crm.customer_created", "A new customer")


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"url": "ftp://erp.example.com"}, "url", "The URL must start with http:// or https://."),
        (
            {"body": {"id": "{{ $.body.id"}},
            "body",
            "body.id: a placeholder is not closed: every '{{' needs a '}}'",
        ),
        ({"auth": "bearer"}, "auth_secret", "Required for this kind of authentication."),
        ({"retry_base_seconds": 60, "retry_max_seconds": 30}, "retry_max_seconds", "cannot be shorter"),
        ({"method": "FETCH"}, "method", '"FETCH" is not a valid choice.'),
    ],
)
def test_invalid_actions_are_refused_with_the_models_message_on_the_field(admin_client, erp, payload, field, message):
    data = {"name": "create account", "system": "erp", "url": "https://erp.example.com", **payload}

    response = admin_client.post(f"{API}/actions", data, content_type="application/json")

    details = error_details(response)
    assert any(message in text for text in details[field]), details
    assert not Action.objects.exists()


def test_an_event_of_a_subscriber_and_a_bad_schema_are_refused(admin_client, erp, crm):
    of_subscriber = admin_client.post(
        f"{API}/event-types", {"name": "x", "system": "erp"}, content_type="application/json"
    )
    bad_schema = admin_client.post(
        f"{API}/event-types",
        {"name": "x", "system": "crm", "payload_schema": {"type": 12}},
        content_type="application/json",
    )
    unknown_system = admin_client.post(
        f"{API}/event-types", {"name": "x", "system": "nope"}, content_type="application/json"
    )

    assert error_details(of_subscriber) == {"system": ["ERP is not a producer: only producers send events."]}
    assert error_details(bad_schema)["payload_schema"][0].startswith("Not a valid JSON Schema at type:")
    assert error_details(unknown_system) == {"system": ["Object with identifier=nope does not exist."]}


def test_a_bad_contract_condition_is_refused(admin_client, crm, erp):
    factories.event_type(crm), factories.action(erp)
    data = {"name": "vip", "event_type": "crm.customer_created", "action": "erp.create_account", "condition": "$["}

    response = admin_client.post(f"{API}/contracts", data, content_type="application/json")

    assert "'$[' is not a valid JSONPath" in error_details(response)["condition"][0]


def test_secrets_are_write_only_and_kept_when_not_sent_again(admin_client, erp):
    data = {"name": "a", "system": "erp", "url": "https://erp.example.com", "auth": "bearer", "auth_secret": "t0k3n"}
    created = admin_client.post(f"{API}/actions", data, content_type="application/json")
    assert created.status_code == 201, created.content
    url = f"{API}/actions/{created.json()['identifier']}"

    changed = admin_client.patch(url, {"name": "b", "auth_secret": ""}, content_type="application/json")

    assert "t0k3n" not in created.content.decode() + changed.content.decode() + admin_client.get(url).content.decode()
    assert "auth_secret" not in changed.json()
    assert Action.objects.get().auth_secret == "t0k3n"
    admin_client.patch(url, {"auth_secret": "n3w"}, content_type="application/json")
    assert Action.objects.get().auth_secret == "n3w"


def test_deleting_hides_an_item_but_keeps_it_and_its_identifier(admin_client, crm):
    event = factories.event_type(crm)

    response = admin_client.delete(f"{API}/event-types/{event.identifier}")

    assert response.status_code == 204
    assert admin_client.get(f"{API}/event-types/{event.identifier}").status_code == 404
    assert EventType.all_objects.get(pk=event.pk).deleted_at is not None
    assert admin_client.delete(f"{API}/systems/crm").status_code == 204
    again = admin_client.post(f"{API}/systems", {"name": "CRM", "identifier": "crm"}, content_type="application/json")
    assert error_details(again) == {"identifier": ["This identifier is already used."]}
    assert System.all_objects.filter(identifier="crm").count() == 1


def test_only_staff_may_use_the_api(client, crm):
    anonymous = client.get(f"{API}/systems")
    User.objects.create_user("ada", password="pw-ada-123")
    basic = base64.b64encode(b"ada:pw-ada-123").decode()
    not_staff = client.get(f"{API}/systems", HTTP_AUTHORIZATION=f"Basic {basic}")

    assert anonymous.status_code in (401, 403)
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    assert not_staff.status_code == 403
    assert not_staff.json()["error"]["code"] == "permission_denied"


def test_basic_auth_works_for_staff(client, crm):
    User.objects.create_user("grace", password="pw-grace-123", is_staff=True)
    basic = base64.b64encode(b"grace:pw-grace-123").decode()

    response = client.get(f"{API}/systems/crm", HTTP_AUTHORIZATION=f"Basic {basic}")

    assert response.status_code == 200
    assert response.json()["name"] == "CRM"


def test_a_missing_item_is_a_404_in_the_error_shape(admin_client):
    response = admin_client.get(f"{API}/contracts/nope")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- API keys ---------------------------------------------------------------------------------


def test_an_api_key_is_returned_once_then_listed_by_prefix_and_stops_working_when_revoked(admin_client, client, crm):
    event = factories.event_type(crm)
    other, _ = factories.producer_with_key("Other")  # a second key of another system, not listed below

    created = admin_client.post(f"{API}/systems/crm/api-keys", {"name": "production"}, content_type="application/json")
    second = admin_client.post(f"{API}/systems/crm/api-keys", {"name": "rotation"}, content_type="application/json")

    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith(created.json()["prefix"])
    listed = admin_client.get(f"{API}/systems/crm/api-keys").json()
    assert [item["name"] for item in listed] == ["rotation", "production"]
    assert key not in str(listed)
    assert all("key" not in item for item in listed)
    assert send_event(client, event.identifier, {"id": 1}, key).status_code == 202
    assert admin_client.get(f"{API}/systems/crm/api-keys").json()[1]["last_used_at"] is not None

    revoked = admin_client.post(f"{API}/systems/crm/api-keys/{created.json()['id']}/revoke")

    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    assert send_event(client, event.identifier, {"id": 1}, key).status_code == 401
    assert send_event(client, event.identifier, {"id": 1}, second.json()["key"]).status_code == 202
    other_key = ApiKey.objects.get(system=other)
    assert admin_client.post(f"{API}/systems/crm/api-keys/{other_key.pk}/revoke").status_code == 404


def test_an_api_key_needs_a_name(admin_client, crm):
    response = admin_client.post(f"{API}/systems/crm/api-keys", {}, content_type="application/json")

    assert error_details(response) == {"name": ["This field is required."]}


# --- OAuth2 -----------------------------------------------------------------------------------


def token_for(client, credentials: dict) -> str:
    basic = base64.b64encode(f"{credentials['client_id']}:{credentials['client_secret']}".encode()).decode()
    response = client.post("/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "Bearer"
    return response.json()["access_token"]


def test_an_oauth_client_gets_tokens_that_send_events_of_its_own_system_only(admin_client, client, crm):
    shop = factories.system("Shop", role=System.Role.PRODUCER)
    customer, order = factories.event_type(crm, "customer created"), factories.event_type(shop, "order paid")

    response = admin_client.post(f"{API}/systems/crm/oauth-client")

    assert response.status_code == 201
    credentials = response.json()
    assert credentials["token_url"] == "http://testserver/oauth/token/"
    assert admin_client.get(f"{API}/systems/crm").json()["oauth_client_id"] == credentials["client_id"]
    token = token_for(client, credentials)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    own = client.post(f"{API}/events/{customer.identifier}", '{"id": 1}', content_type="application/json", **bearer)
    foreign = client.post(f"{API}/events/{order.identifier}", '{"id": 1}', content_type="application/json", **bearer)
    assert own.status_code == 202, own.content
    assert foreign.status_code == 403
    assert foreign.json()["error"]["code"] == "event_of_another_system"


def test_a_new_oauth_client_replaces_the_previous_one(admin_client, client, crm):
    first = admin_client.post(f"{API}/systems/crm/oauth-client").json()
    second = admin_client.post(f"{API}/systems/crm/oauth-client").json()

    basic = base64.b64encode(f"{first['client_id']}:{first['client_secret']}".encode()).decode()
    refused = client.post("/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert refused.status_code == 401
    assert token_for(client, second)


# --- schema -----------------------------------------------------------------------------------


def test_the_openapi_schema_describes_the_configuration_api(admin_client):
    response = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    paths = response.json()["paths"]
    assert {"/api/v1/systems", "/api/v1/event-types/{identifier}", "/api/v1/systems/{identifier}/api-keys"} <= set(
        paths
    )
    action = response.json()["components"]["schemas"]["Action"]["properties"]
    assert action["auth_secret"]["writeOnly"] is True
    assert admin_client.get("/api/docs/").status_code == 200


def test_the_contract_list_does_not_query_per_row(admin_client, django_assert_max_num_queries, crm, erp):
    for number in range(5):
        factories.contract(factories.event_type(crm, f"e{number}"), factories.action(erp, f"a{number}"))

    with django_assert_max_num_queries(4):
        response = admin_client.get(f"{API}/contracts")

    assert len(response.json()["results"]) == Contract.objects.count() == 5
