"""Delivery in one process: routing, tries, retries, replay, chaining and the sweep, against a real HTTP server."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.delivery import services
from apps.delivery.engine import deliver_due
from apps.delivery.models import Execution, Try
from apps.eventstore import store
from apps.hub.models import Action, EventType
from tests.delivery.conftest import receive
from tests.hub import factories
from tests.subscriber import Reply
from tests.subscriptions import catch_up

pytestmark = pytest.mark.django_db


def route_and_try(client, wiring, body=None):
    key, event, _, _ = wiring
    event_id = receive(client, key, event.identifier, body or {"id": 7})
    catch_up("delivery.router")
    execution = Execution.objects.get(event_id=event_id)
    assert deliver_due() == 1
    execution.refresh_from_db()
    return execution


def test_an_event_runs_its_contract_once_even_when_read_twice(client, wiring, subscriber):
    key, event, _, _ = wiring
    event_id = receive(client, key, event.identifier, {"id": 7})

    catch_up("delivery.router")
    (recorded,) = store.events_by_id([event_id]).values()
    services.executions_route([recorded])  # the router reading it again

    assert Execution.objects.filter(event_id=event_id).count() == 1


def test_a_condition_filters_the_events_that_run_a_contract(client, wiring):
    key, event, _, contract = wiring
    contract.condition = '$[?(@.body.country == "DE")]'
    contract.save()

    german = receive(client, key, event.identifier, {"id": 1, "country": "DE"})
    french = receive(client, key, event.identifier, {"id": 2, "country": "FR"})
    catch_up("delivery.router")

    assert list(Execution.objects.values_list("event_id", flat=True)) == [german]
    assert not Execution.objects.filter(event_id=french).exists()


def test_a_try_stores_the_rendered_request_and_the_response(client, wiring, subscriber):
    subscriber.reply(Reply(201, {"account": "A-7"}))

    execution = route_and_try(client, wiring)

    assert execution.state == Execution.State.COMPLETED
    (attempt,) = execution.tries.all()
    assert attempt.outcome == Try.Outcome.SUCCESS
    assert attempt.request_method == "POST"
    assert attempt.request_url == subscriber.url + "/accounts"
    assert json.loads(attempt.request_body) == {"customer": 7}
    assert attempt.request_headers["webhook-signature"] == "••••"
    assert attempt.response_status == 201
    assert json.loads(attempt.response_body) == {"account": "A-7"}
    assert attempt.duration_ms > 0
    assert subscriber.received[0].headers["webhook-id"] == str(execution.pk)


def test_outcomes_are_events_caused_by_the_received_event(client, wiring):
    execution = route_and_try(client, wiring)

    (completed,) = store.read_stream(f"execution-{execution.pk}")
    assert completed.type == "ExecutionCompleted"
    assert completed.cause_id == execution.event_id
    assert completed.correlation_id == execution.correlation_id == execution.event_id


def test_a_server_error_is_retried_later_with_backoff(client, wiring, subscriber):
    subscriber.reply(Reply(503, {"error": "down"}, headers=(("Retry-After", "2"),)))

    execution = route_and_try(client, wiring)

    assert execution.state == Execution.State.FAILED
    assert execution.last_error == "ERP answered 503 Service Unavailable."
    assert 1.9 <= (execution.next_attempt_at - timezone.now()).total_seconds() <= 2.1
    assert deliver_due() == 0  # not due yet


def test_a_client_error_is_not_retried_and_emits_execution_failed(client, wiring, subscriber):
    subscriber.reply(Reply(400, {"error": "bad customer"}))

    execution = route_and_try(client, wiring)

    assert execution.state == Execution.State.ERROR
    assert execution.tries_count == 1
    (failed,) = store.read_stream(f"execution-{execution.pk}")
    assert failed.type == "ExecutionFailed"
    assert failed.data["error"] == "ERP answered 400 Bad Request."


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "success"), (204, "success"), (301, "permanent"), (400, "permanent"), (404, "permanent"),
     (408, "transient"), (429, "transient"), (500, "transient"), (503, "transient")],
)  # fmt: skip
def test_which_statuses_are_retried(status, outcome):
    from apps.core.http import HttpResult

    assert services.classify(HttpResult(started_at=timezone.now(), duration_ms=1, status=status)) == outcome


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    action = Action(retry_base_seconds=10, retry_max_seconds=60)

    delays = [services.retry_delay(action, tries, None) for tries in (1, 2, 3, 4, 5)]

    assert 8 <= delays[0] <= 12
    assert 16 <= delays[1] <= 24
    assert 32 <= delays[2] <= 48
    assert all(delay <= 72 for delay in delays[3:])
    assert services.retry_delay(action, 1, retry_after=45) == 45


def test_a_missing_template_value_is_a_permanent_error_that_says_what_is_missing(client, wiring, subscriber):
    execution = route_and_try(client, wiring, body={"name": "no id"})

    assert execution.state == Execution.State.ERROR
    assert execution.last_error == (
        f"The action's template cannot be rendered: body.customer: the event {execution.event_type} "
        f"{execution.event_id} has no value at $.body.id; "
        'if it may be missing, give a default: {{ $.body.id ?? "" }}.'
    )
    assert subscriber.received == []


def test_replaying_a_failed_execution_tries_again_with_the_same_idempotency_key(client, wiring, subscriber):
    subscriber.reply(Reply(400, {}))
    execution = route_and_try(client, wiring)

    assert services.execution_replay(execution=execution)
    assert deliver_due() == 1

    execution.refresh_from_db()
    assert execution.state == Execution.State.COMPLETED
    assert execution.tries_count == 2
    first, second = subscriber.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(execution.pk)


def test_rerunning_an_event_replays_its_executions_and_runs_new_contracts(client, wiring, subscriber):
    _, event, action, _ = wiring
    execution = route_and_try(client, wiring)
    second = factories.contract(event, action, name="second contract")

    assert services.event_rerun(event_id=execution.event_id) == 2

    assert Execution.objects.filter(event_id=execution.event_id, contract=second).exists()
    execution.refresh_from_db()
    assert execution.state == Execution.State.PENDING


def claimed_by_a_worker_that_died(client, wiring):
    key, event, action, _ = wiring
    event_id = receive(client, key, event.identifier, {"id": 7})
    catch_up("delivery.router")
    (claim,) = services.executions_claim({action.pk: 1})
    Execution.objects.filter(pk=claim.execution.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    return Execution.objects.get(event_id=event_id)


def test_a_try_whose_worker_died_is_taken_back_and_tried_again(client, wiring):
    execution = claimed_by_a_worker_that_died(client, wiring)

    assert services.executions_take_back() == 1

    execution.refresh_from_db()
    assert execution.state == Execution.State.FAILED
    assert execution.tries.get().error == "Interrupted: the worker was lost during this try."
    assert deliver_due() == 1
    execution.refresh_from_db()
    assert execution.state == Execution.State.COMPLETED
    assert execution.tries_count == 2


def test_max_tries_holds_when_a_lost_try_is_taken_back(client, wiring):
    _, _, action, _ = wiring
    Action.objects.filter(pk=action.pk).update(max_tries=1)
    execution = claimed_by_a_worker_that_died(client, wiring)

    assert services.executions_take_back() == 1

    execution.refresh_from_db()
    assert execution.state == Execution.State.ERROR
    assert execution.last_error == "Gave up after 1 tries: Interrupted: the worker was lost during this try."
    assert deliver_due() == 0
    (failed,) = store.read_stream(f"execution-{execution.pk}")
    assert failed.type == "ExecutionFailed"


def test_a_chained_action_turns_its_response_into_the_next_event(client, wiring, subscriber):
    _, _, action, _ = wiring
    erp = action.system
    erp.role = "both"
    erp.save()
    account_created = factories.event_type(erp, "account created")
    action.response_event_type = account_created
    action.save()
    notify = factories.action(
        erp, name="notify", url=subscriber.url + "/notify", body={"account": "{{ $.body.account }}"}
    )
    factories.contract(account_created, notify)
    subscriber.reply(Reply(201, {"account": "A-7"}))

    first = route_and_try(client, wiring)
    catch_up("delivery.router")
    assert deliver_due() == 1
    second = Execution.objects.get(contract__event_type=account_created)

    assert subscriber.received[1].path == "/notify"
    assert subscriber.received[1].json() == {"account": "A-7"}
    second.refresh_from_db()
    assert second.correlation_id == first.correlation_id
    assert second.chain_depth == 1
    (chained,) = store.events_by_id([second.event_id]).values()
    assert chained.cause_id == first.pk


def test_a_chain_that_loops_is_stopped_at_the_maximum_depth(client, wiring, subscriber, settings):
    settings.DELIVERY_MAX_CHAIN_DEPTH = 2
    key, event, action, _ = wiring
    crm = event.system
    crm.role = "both"
    crm.save()
    action.system = crm
    action.response_event_type = event  # the response is the very event that triggers the action
    action.body = None
    action.save()
    subscriber.default = Reply(200, {"id": 1})

    receive(client, key, event.identifier, {"id": 1})
    for _ in range(4):
        catch_up("delivery.router")
        deliver_due()

    assert Execution.objects.count() == 3
    stopped = Execution.objects.get(chain_depth=2)
    assert stopped.state == Execution.State.ERROR
    assert "the chain reached its maximum depth of 2" in stopped.last_error


def test_a_contract_on_its_own_outcome_is_stopped_at_the_maximum_depth(client, wiring, subscriber, settings):
    """WHEN ExecutionCompleted THEN do the action again: every run completes, so it would never end."""
    settings.DELIVERY_MAX_CHAIN_DEPTH = 2
    key, event, action, _ = wiring
    action.body = None  # a request that any event renders
    action.save()
    completed = EventType.objects.get(identifier="ExecutionCompleted")
    factories.contract(completed, action, name="again and again")

    receive(client, key, event.identifier, {"id": 1})
    for _ in range(5):
        catch_up("delivery.router")
        deliver_due()

    depths = sorted(Execution.objects.values_list("chain_depth", "state"))
    assert depths == [(0, "completed"), (1, "completed"), (2, "completed"), (3, "error")]
    stopped = Execution.objects.get(chain_depth=3)
    assert "the chain reached its maximum depth of 2" in stopped.last_error
    assert len(subscriber.received) == 3


def test_an_answer_with_a_nul_character_is_recorded_with_the_others(client, wiring, subscriber):
    """PostgreSQL refuses NUL in text: what a subscriber sends back is stored without it."""
    key, event, _, _ = wiring
    subscriber.reply(Reply(200, b'{"note": "a\x00b"}'), Reply(200, {"ok": True}))
    for number in (1, 2):
        receive(client, key, event.identifier, {"id": number})
    catch_up("delivery.router")

    assert deliver_due() == 2

    assert set(Execution.objects.values_list("state", flat=True)) == {Execution.State.COMPLETED}
    assert {t.response_body for t in Try.objects.all()} == {'{"note": "a\ufffdb"}', '{"ok": true}'}
