"""Delivery when things go wrong, with real workers and real subscribers: a worker killed in the middle
of a batch, a poison contract, an endpoint that hangs, an endpoint that is gone."""

import time
from collections import defaultdict

import pytest

from apps.delivery.models import Endpoint, Execution
from apps.delivery.services import action_enable
from apps.eventstore import store
from apps.hub.models import Action
from tests.delivery.conftest import receive
from tests.hub import factories
from tests.processes import start_worker, wait_for
from tests.subscriber import Reply, Subscriber

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FINAL = {Execution.State.COMPLETED, Execution.State.ERROR}


@pytest.fixture
def worker(tmp_path):
    worker = start_worker(log_path=tmp_path / "worker.log")
    yield worker
    worker.stop()


def all_finished(count: int, timeout: float = 30, **filters) -> list[Execution]:
    def done():
        executions = list(Execution.objects.filter(**filters))
        return len(executions) == count and all(e.state in FINAL for e in executions) and executions

    return wait_for(done, timeout=timeout, what=f"{count} executions to finish")


def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing(client, wiring, subscriber, tmp_path):
    key, event, action, _ = wiring
    Action.objects.filter(pk=action.pk).update(max_in_flight=20)
    subscriber.default = Reply(200, {}, delay=20)  # every request hangs while the first worker holds it
    doomed = start_worker(log_path=tmp_path / "doomed.log")
    try:
        for number in range(20):
            receive(client, key, event.identifier, {"id": number})
        subscriber.wait_for(20)
    finally:
        doomed.kill()
    assert Execution.objects.filter(state=Execution.State.PROCESSING).count() == 20

    subscriber.default = Reply(200, {})
    rescuer = start_worker(log_path=tmp_path / "rescuer.log")
    try:
        executions = all_finished(20)
    finally:
        rescuer.stop()

    assert {e.state for e in executions} == {Execution.State.COMPLETED}
    sent = defaultdict(list)
    for request in subscriber.received:
        sent[request.headers["webhook-id"]].append(request.json()["customer"])
    assert set(sent) == {str(e.pk) for e in executions}  # every duplicate carries its execution's id
    assert sorted(customer for customers in sent.values() for customer in set(customers)) == list(range(20))
    for execution in executions:
        lost, delivered = execution.tries.all()
        assert (lost.outcome, lost.error) == ("transient", "Interrupted: the worker was lost during this try.")
        assert delivered.outcome == "success"


def test_a_contract_whose_condition_fails_on_an_event_never_stops_the_others(client, wiring, subscriber, worker):
    """A JSONPath extension applied to a value of the wrong type fails its own execution, nothing else."""
    key, event, action, good = wiring
    poison = factories.contract(event, action, name="poison", condition="$.body.kind.`sub(/a/, b)`")

    event_ids = [receive(client, key, event.identifier, {"id": n, "kind": {"x": n}}) for n in range(7)]

    executions = all_finished(14)
    delivered = {e.event_id for e in executions if e.contract_id == good.pk and e.state == "completed"}
    assert delivered == set(event_ids)
    failed = [e for e in executions if e.contract_id == poison.pk]
    assert {e.state for e in failed} == {Execution.State.ERROR}
    assert {e.tries_count for e in failed} == {0}
    assert failed[0].last_error == (
        "The contract's condition could not be checked on this event: $.body.kind.`sub(/a/, b)` cannot be "
        "evaluated on this event: expected string or bytes-like object, got 'dict'."
    )
    assert "Traceback" not in failed[0].last_error
    assert len(subscriber.received) == 7


def test_a_hanging_endpoint_does_not_delay_another_and_its_breaker_opens(client, wiring, subscriber, worker):
    key, event, healthy, _ = wiring
    with Subscriber() as hanging:
        hanging.default = Reply(200, {}, delay=30)
        stuck = factories.action(
            healthy.system, name="stuck", url=hanging.url, body={"id": "{{ $.body.id }}"}, timeout_seconds=5,
            max_in_flight=3, retry_base_seconds=1, retry_max_seconds=1, max_tries=20,
        )  # fmt: skip
        factories.contract(event, stuck, name="to the stuck endpoint")

        arrivals = []
        for number in range(20):
            sent = time.monotonic()
            receive(client, key, event.identifier, {"id": number})
            subscriber.wait_for(number + 1, timeout=10)
            arrivals.append(time.monotonic() - sent)

        assert max(arrivals) < 2, arrivals  # each healthy delivery arrives long before a hanging one times out
        assert len(hanging.received) == 3  # never more in flight than the stuck action allows
        endpoint = wait_for(
            lambda: Endpoint.objects.filter(action=stuck, open_until__isnull=False).first(),
            timeout=30,
            what="the stuck endpoint's breaker to open",
        )
        assert endpoint.consecutive_failures >= 5
        sent = len(hanging.received)
        time.sleep(3)  # the breaker stays open for 10 s: nothing goes out meanwhile
        assert len(hanging.received) == sent
        waiting = Execution.objects.filter(action=stuck, state__in=["pending", "failed"])
        assert waiting.filter(tries_count=0).exists()  # they wait without using their tries


def test_an_endpoint_that_answers_410_disables_its_action_until_enabled_again(client, wiring, subscriber, worker):
    key, event, action, _ = wiring
    Action.objects.filter(pk=action.pk).update(max_in_flight=1)
    subscriber.reply(Reply(410, {"error": "this webhook was deleted"}))

    first = receive(client, key, event.identifier, {"id": 1})
    wait_for(lambda: Action.objects.get(pk=action.pk).disabled_at, timeout=20, what="the action to be disabled")
    later = [receive(client, key, event.identifier, {"id": n}) for n in (2, 3)]
    time.sleep(1.5)

    action.refresh_from_db()
    assert action.disabled_reason == "ERP answered 410 Gone: the endpoint no longer exists."
    (disabled,) = [e for e in store.read_stream(f"action-{action.pk}")]
    assert disabled.type == "ActionDisabled"
    assert disabled.data["action"] == action.identifier
    assert Execution.objects.get(event_id=first).state == Execution.State.ERROR
    assert set(Execution.objects.filter(event_id__in=later).values_list("state", "tries_count")) == {("pending", 0)}
    assert len(subscriber.received) == 1

    action_enable(action)

    all_finished(2, event_id__in=later)
    assert len(subscriber.received) == 3
    assert [e.type for e in store.read_stream(f"action-{action.pk}")] == ["ActionDisabled", "ActionEnabled"]


def test_deliveries_with_the_same_ordering_key_keep_their_order_through_a_failure(client, wiring, subscriber, worker):
    key, event, action, _ = wiring
    action.ordering_key = "$.body.customer"
    action.body = {"customer": "{{ $.body.customer }}", "n": "{{ $.body.n }}"}
    action.retry_base_seconds = action.retry_max_seconds = 1
    action.save()
    subscriber.reply(Reply(500, {"error": "try again"}))

    receive(client, key, event.identifier, {"customer": "A", "n": 1})
    subscriber.wait_for(1)  # A1 failed; it is retried in a second
    for customer, n in [("B", 1), ("A", 2), ("B", 2), ("A", 3)]:
        receive(client, key, event.identifier, {"customer": customer, "n": n})
    all_finished(5)

    arrivals = [(r.json()["customer"], r.json()["n"]) for r in subscriber.received]
    assert [n for customer, n in arrivals if customer == "A"] == [1, 1, 2, 3]
    assert [n for customer, n in arrivals if customer == "B"] == [1, 2]
    assert arrivals.index(("B", 2)) < arrivals.index(("A", 1), 1)  # A's failure held back only A
