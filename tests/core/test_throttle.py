"""Failed authentication is throttled per address and per key (429 with Retry-After), and refusing a
wrong OAuth2 client secret costs no real CPU."""

import base64
import time
import warnings

import pytest
from django.core.cache import CacheKeyWarning
from oauth2_provider.models import Application

from apps.hub.services import api_key_create, oauth_client_create
from tests.discovery.agents import agent_api_key
from tests.hub import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def three_failures(settings):
    settings.AUTH_FAILURES_ALLOWED = 3


@pytest.fixture
def producer():
    crm, key = factories.producer_with_key("CRM")
    return crm, key, factories.event_type(crm, "customer created")


def send(client, event, key, address="203.0.113.7"):
    return client.post(f"/api/v1/events/{event.identifier}", b'{"id": 1}', content_type="application/json",
                       HTTP_X_API_KEY=key, REMOTE_ADDR=address)  # fmt: skip


def test_wrong_api_keys_from_one_address_are_answered_429_after_the_allowed_failures(client, producer):
    _, key, event = producer

    statuses = [send(client, event, f"jct_{n:08x}_wrong").status_code for n in range(3)]
    blocked = send(client, event, "jct_00000009_wrong")

    assert statuses == [401, 401, 401]
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_failures"
    assert 1 <= int(blocked["Retry-After"]) <= 61
    assert send(client, event, key).status_code == 429  # this address waits, even with a good key
    assert send(client, event, key, address="198.51.100.1").status_code == 202  # others do not


def test_wrong_keys_with_one_prefix_are_throttled_from_any_address(client, producer):
    crm, key, event = producer
    prefix = key[:12]

    for n in range(3):
        assert send(client, event, f"{prefix}_guess{n}", address=f"198.51.100.{n}").status_code == 401

    assert send(client, event, f"{prefix}_guess9", address="198.51.100.99").status_code == 429
    _, other = api_key_create(system=crm, name="other")
    assert send(client, event, other, address="198.51.100.99").status_code == 202


def test_agents_are_throttled_too(client):
    agent_api_key()

    statuses = [
        client.post(
            "/api/v1/collect", b"{}", content_type="application/json", HTTP_X_TRENTO_APIKEY="jct_bad"
        ).status_code
        for _ in range(4)
    ]

    assert statuses == [401, 401, 401, 429]


def test_wrong_client_secrets_are_throttled_and_cost_no_real_cpu(client, producer):
    crm, _, _ = producer
    client_id, secret = oauth_client_create(system=crm)

    def token(client_secret: str):
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        return client.post("/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")

    started = time.process_time()
    statuses = [token("wrong").status_code for _ in range(3)]
    spent = time.process_time() - started

    assert statuses == [401, 401, 401]
    assert spent < 0.5  # three refusals; with PBKDF2 each cost about a second of CPU here
    assert Application.objects.get(client_id=client_id).client_secret.startswith("sha256_secret$")
    blocked = token(secret)
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "too_many_failures"
    assert int(blocked["Retry-After"]) >= 1


def test_the_admin_sign_in_pauses_after_five_wrong_passwords_and_says_what_to_do(client, django_user_model):
    django_user_model.objects.create_superuser("ada", "ada@example.com", "the-right-password-42")

    def sign_in(password: str):
        return client.post("/admin/login/?next=/admin/", {"username": "ada", "password": password})

    wrong = [sign_in(f"guess-{n}").status_code for n in range(5)]
    paused = sign_in("the-right-password-42")

    assert wrong == [200, 200, 200, 200, 429]  # the form again with its error, then the pause
    assert paused.status_code == 429  # even with the right password, for now
    page = paused.content.decode()
    assert "Sign-in paused" in page
    assert "ask another administrator" in page
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_signs_in_and_forgets_the_wrong_ones(client, django_user_model):
    django_user_model.objects.create_superuser("ada", "ada@example.com", "the-right-password-42")

    for n in range(4):
        client.post("/admin/login/", {"username": "ada", "password": f"guess-{n}"})
    signed_in = client.post("/admin/login/?next=/admin/", {"username": "ada", "password": "the-right-password-42"})

    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_key_of_any_characters_is_counted_under_a_valid_cache_key(client, producer):
    _, _, event = producer
    odd_key = "jct_ a*b\tc_whatever"  # spaces and control characters, which memcached refuses in a key

    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        statuses = [send(client, event, odd_key, address=f"203.0.113.{n}").status_code for n in range(4)]

    assert statuses == [401, 401, 401, 429]  # counted by the key, whatever the address
