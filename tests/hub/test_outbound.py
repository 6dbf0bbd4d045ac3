import asyncio
import base64
import hashlib
import hmac
import json

import pytest
from django.db import connection

from apps.core import http
from apps.hub.models import Action
from apps.hub.outbound import action_test_send, sample_context
from tests.hub import factories
from tests.subscriber import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp():
    return factories.system("ERP", role="subscriber")


def test_a_test_request_renders_the_template_signs_it_and_shows_the_response(erp, subscriber):
    action = factories.action(
        erp,
        url=subscriber.url + "/accounts/{{ $.body.customer.id }}",
        headers={"X-Customer": "{{ $.body.customer.name }}", "X-Source": "junction"},
        query_params={"country": "{{ $.body.customer.country }}"},
        body={"id": "{{ $.body.customer.id }}", "label": "Customer {{ $.body.customer.name }}", "tags": ["new"]},
    )
    subscriber.reply(Reply(201, {"account": "A-1"}))

    body = {"customer": {"id": 7, "name": "Ada", "country": "DE"}}
    result = action_test_send(action=action, context=sample_context(event_type="order_placed", body=body))

    (received,) = subscriber.received
    assert received.path == "/accounts/7?country=DE"
    assert received.json() == {"id": 7, "label": "Customer Ada", "tags": ["new"]}
    assert received.headers["X-Customer"] == "Ada"
    expected = hmac.new(
        base64.b64decode(action.signing_secret.removeprefix("whsec_")),
        f"test.{received.headers['webhook-timestamp']}.".encode() + received.body,
        hashlib.sha256,
    ).digest()
    assert received.headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
    assert result.response.status == 201
    assert json.loads(result.response.body) == {"account": "A-1"}
    assert result.request["url"].endswith("/accounts/7?country=DE")


def test_secrets_are_redacted_from_what_is_shown(erp, subscriber):
    action = factories.action(erp, url=subscriber.url, auth=Action.Auth.BEARER, auth_secret="s3cr3t-token")

    result = action_test_send(action=action, context=sample_context(event_type="order_placed", body={}))

    assert subscriber.received[0].headers["Authorization"] == "Bearer s3cr3t-token"
    assert "s3cr3t-token" not in json.dumps(result.request)
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_secret FROM hub_action WHERE id = %s", [action.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("gAAAA")  # a Fernet token
    assert "s3cr3t-token" not in stored


def test_a_missing_value_in_the_event_is_a_clear_error(erp, subscriber):
    action = factories.action(erp, url=subscriber.url, body={"id": "{{ $.body.customer.id }}"})

    context = sample_context(event_type="order_placed", body={"customer": {}})
    result = action_test_send(action=action, context=context)

    assert result.error == (
        "The template cannot be rendered: body.id: the event order_placed (sample) has no value at $.body.customer.id;"
        ' if it may be missing, give a default: {{ $.body.customer.id ?? "" }}'
    )
    assert subscriber.received == []


def test_oauth2_client_credentials_get_a_token_from_a_real_endpoint_and_cache_it(erp, subscriber):
    action = factories.action(
        erp,
        url=subscriber.url + "/api",
        auth=Action.Auth.OAUTH2,
        oauth_token_url=subscriber.url + "/token",
        oauth_client_id="junction",
        oauth_client_secret="client-secret",
        oauth_scope="accounts",
    )
    subscriber.reply(Reply(200, {"access_token": "tok-1", "expires_in": 3600}))

    action_test_send(action=action, context=sample_context(event_type="order_placed", body={}))
    action_test_send(action=action, context=sample_context(event_type="order_placed", body={}))

    token_request, first, second = subscriber.received
    assert token_request.path == "/token"
    assert token_request.body == b"grant_type=client_credentials&scope=accounts"
    assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(b"junction:client-secret").decode()
    assert first.headers["Authorization"] == second.headers["Authorization"] == "Bearer tok-1"


def test_private_addresses_are_blocked_unless_allowed(erp, subscriber, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    action = factories.action(erp, url=subscriber.url)

    result = action_test_send(action=action, context=sample_context(event_type="order_placed", body={}))

    assert result.error.startswith("blocked: 127.0.0.1 resolves to 127.0.0.1, a private or local address")
    assert subscriber.received == []


@pytest.fixture(params=["one at a time", "many in flight"])
def send(request):
    """Both clients of ``apps.core.http`` keep the same rules: the blocking one and the engine's."""
    if request.param == "one at a time":
        return http.send

    def send_in_flight(*args, **kwargs):
        async def run():
            async with http.AsyncClient() as client:
                return await client.send(*args, **kwargs)

        return asyncio.run(run())

    return send_in_flight


def test_a_private_address_is_refused_before_anything_is_sent(send, subscriber, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []

    result = send("POST", subscriber.url + "/accounts", body=b"{}")

    assert result.error.startswith("blocked: 127.0.0.1 resolves to 127.0.0.1, a private or local address")
    assert subscriber.received == []


def test_redirects_are_not_followed(send, subscriber):
    subscriber.reply(Reply(302, {}, headers=(("Location", subscriber.url + "/elsewhere"),)))

    result = send("GET", subscriber.url + "/here")

    assert result.status == 302
    assert [r.path for r in subscriber.received] == ["/here"]


def test_responses_are_read_up_to_a_bound(send, subscriber):
    subscriber.reply(Reply(200, {"data": "x" * 5000}))

    result = send("GET", subscriber.url, max_body_bytes=1000)

    assert (len(result.body), result.body_truncated) == (1000, True)


def test_a_timeout_is_a_result_not_an_exception(send, subscriber):
    subscriber.reply(Reply(200, {}, delay=2))

    result = send("GET", subscriber.url, timeout=0.3)

    assert result.status is None
    assert result.error == "No answer within 0.3 s."


def test_a_name_that_resolves_to_a_refused_address_is_refused_as_it_connects(send, subscriber, settings, monkeypatch):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    monkeypatch.setattr(http.socket, "getaddrinfo", lambda *args, **kwargs: [(2, 1, 6, "", ("127.0.0.1", 0))])

    result = send("GET", subscriber.url.replace("127.0.0.1", "inside.example"))

    assert result.error.startswith("blocked: inside.example resolves to 127.0.0.1")
    assert subscriber.received == []


def test_a_dns_answer_that_changes_after_the_check_cannot_reach_a_refused_address(subscriber, settings, monkeypatch):
    """DNS rebinding: the name resolves to a public address when checked, to loopback when connected. (The
    engine's client resolves once, as it connects, and checks that very answer: there is no second lookup.)"""
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    answers = iter(["93.184.215.14", "127.0.0.1"])
    monkeypatch.setattr(
        http.socket, "getaddrinfo", lambda *args, **kwargs: [(2, 1, 6, "", (next(answers, "127.0.0.1"), 0))]
    )

    result = http.send("GET", subscriber.url.replace("127.0.0.1", "rebinding.example"))

    assert result.error.startswith("blocked: rebinding.example resolves to 127.0.0.1")
    assert subscriber.received == []


def test_a_refused_connection_is_said_in_plain_words(send):
    from tests.processes import free_port

    port = free_port()
    result = send("POST", f"http://127.0.0.1:{port}/x", body=b"{}", timeout=2)

    assert result.status is None
    assert result.error == f"Cannot connect to 127.0.0.1:{port}: connection refused."
