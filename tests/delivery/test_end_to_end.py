"""Delivery end to end: webhook POST, real Celery worker, real HTTP subscriber."""

import pytest

from apps.delivery.models import Execution, Try
from apps.eventstore import store
from apps.hub.models import Action
from tests.delivery.conftest import receive
from tests.hub import factories
from tests.processes import wait_for
from tests.subscriber import Reply

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def finished(event_id, count=1, timeout=30):
    def done():
        executions = list(Execution.objects.filter(event_id=event_id))
        states = {Execution.State.COMPLETED, Execution.State.ERROR}
        return len(executions) >= count and all(e.state in states for e in executions) and executions

    return wait_for(done, timeout=timeout, what=f"execution of {event_id} to finish")


def test_an_event_sent_to_the_webhook_reaches_the_subscriber_rendered(celery_worker, client, wiring, subscriber):
    key, event, _, _ = wiring

    event_id = receive(client, key, event.identifier, {"id": 42})

    (request,) = subscriber.wait_for(1)
    assert request.path == "/accounts"
    assert request.json() == {"customer": 42}
    assert request.headers["Content-Type"] == "application/json"
    (execution,) = finished(event_id)
    assert execution.state == Execution.State.COMPLETED
    assert request.headers["webhook-id"] == request.headers["Idempotency-Key"] == str(execution.pk)


def test_a_subscriber_that_fails_twice_then_succeeds_gives_three_tries(celery_worker, client, wiring, subscriber):
    key, event, _, _ = wiring
    subscriber.reply(Reply(500, {"error": "boom"}), Reply(503, {"error": "busy"}))

    event_id = receive(client, key, event.identifier, {"id": 1})

    (execution,) = finished(event_id)
    assert execution.state == Execution.State.COMPLETED
    tries = list(execution.tries.values_list("outcome", "response_status"))
    assert tries == [("transient", 500), ("transient", 503), ("success", 200)]
    assert len({r.headers["webhook-id"] for r in subscriber.received}) == 1


def test_a_400_is_not_retried(celery_worker, client, wiring, subscriber):
    key, event, _, _ = wiring
    subscriber.reply(Reply(400, {"error": "invalid customer"}))

    event_id = receive(client, key, event.identifier, {"id": 1})

    (execution,) = finished(event_id)
    assert execution.state == Execution.State.ERROR
    assert execution.tries_count == 1
    assert len(subscriber.received) == 1


def test_an_oauth2_action_gets_its_token_from_a_real_token_endpoint(celery_worker, client, wiring, subscriber):
    key, event, action, _ = wiring
    action.auth = Action.Auth.OAUTH2
    action.oauth_token_url = subscriber.url + "/oauth/token"
    action.oauth_client_id = "junction"
    action.oauth_client_secret = "s3cret"
    action.save()
    subscriber.reply(Reply(200, {"access_token": "token-e2e", "token_type": "Bearer", "expires_in": 600}))

    event_id = receive(client, key, event.identifier, {"id": 5})

    finished(event_id)
    token_request, delivery = subscriber.wait_for(2)
    assert token_request.path == "/oauth/token"
    assert delivery.headers["Authorization"] == "Bearer token-e2e"
    attempt = Try.objects.get()
    assert attempt.request_headers["Authorization"] == "••••"


def test_a_chain_of_two_contracts_runs_in_order_with_one_correlation(celery_worker, client, wiring, subscriber):
    key, event, action, _ = wiring
    erp = action.system
    erp.role = "both"
    erp.save()
    account_created = factories.event_type(erp, "account created")
    action.response_event_type = account_created
    action.save()
    welcome = factories.action(erp, name="welcome", url=subscriber.url + "/welcome", body={"acc": "{{ $.body.acc }}"})
    factories.contract(account_created, welcome)
    subscriber.reply(Reply(201, {"acc": "A-9"}))

    event_id = receive(client, key, event.identifier, {"id": 9})

    first, second = subscriber.wait_for(2)
    assert (first.path, second.path) == ("/accounts", "/welcome")
    assert second.json() == {"acc": "A-9"}
    wait_for(lambda: Execution.objects.filter(state="completed").count() == 2, timeout=20, what="both executions")
    correlations = {e.correlation_id for e in Execution.objects.all()}
    assert correlations == {event_id}
    types = [e.type for e in store.read_all() if e.correlation_id == event_id]
    # The first delivery records its response as the next event, then its outcome; then the second's outcome.
    assert types == ["crm.customer_created", "erp.account_created", "ExecutionCompleted", "ExecutionCompleted"]
