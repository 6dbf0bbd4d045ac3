import pytest
from django.utils.timezone import localtime

from apps.delivery.engine import deliver_due
from apps.delivery.models import Execution
from apps.ingest.models import ReceivedEvent
from tests.delivery.test_delivery import route_and_try
from tests.subscriber import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(client, wiring, subscriber):
    subscriber.reply(Reply(400, {"error": "unknown customer"}))
    return route_and_try(client, wiring)


def test_the_api_lists_executions_by_state_and_shows_their_tries(admin_client, failed):
    listing = admin_client.get("/api/v1/executions", {"state": "error"})
    detail = admin_client.get(f"/api/v1/executions/{failed.pk}")

    assert [e["id"] for e in listing.json()["results"]] == [str(failed.pk)]
    assert admin_client.get("/api/v1/executions", {"state": "completed"}).json()["results"] == []
    (attempt,) = detail.json()["tries"]
    assert attempt["response_status"] == 400
    assert attempt["response_body"] == '{"error": "unknown customer"}'


def test_the_api_replays_an_execution_and_refuses_a_running_one(admin_client, failed):
    response = admin_client.post(f"/api/v1/executions/{failed.pk}/replay")

    assert response.status_code == 202
    assert response.json()["state"] == "pending"
    Execution.objects.filter(pk=failed.pk).update(state=Execution.State.PROCESSING)
    running = admin_client.post(f"/api/v1/executions/{failed.pk}/replay")
    assert (running.status_code, running.json()["error"]["code"]) == (409, "execution_running")


def test_the_api_reruns_all_contracts_of_an_event(admin_client, failed):
    response = admin_client.post(f"/api/v1/recorded-events/{failed.event_id}/rerun")

    assert response.status_code == 202
    assert response.json()["executions"] == 1


def test_the_admin_runs_the_contracts_of_selected_received_events_again(admin_client, failed, subscriber):
    received = ReceivedEvent.objects.get(event_id=failed.event_id)
    response = admin_client.post(
        "/admin/ingest/receivedevent/",
        {"action": "rerun_contracts", "_selected_action": [received.pk]},
        follow=True,
    )

    assert "1 executions of 1 events will run again" in response.content.decode()
    failed.refresh_from_db()
    assert failed.state == Execution.State.PENDING
    assert deliver_due() == 1
    assert len(subscriber.received) == 2
    assert subscriber.received[1].headers["webhook-id"] == str(failed.pk)


def test_the_admin_shows_request_and_response_side_by_side_and_replays(admin_client, failed):
    page = admin_client.get(f"/admin/delivery/execution/{failed.pk}/change/")

    assert page.status_code == 200
    content = page.content.decode()
    assert "Request" in content
    assert "Response" in content
    assert "unknown customer" in content
    assert "Replay" in content
    replay = admin_client.post(f"/admin/delivery/execution/{failed.pk}/replay/", follow=True)
    assert "A new try is on its way" in replay.content.decode()
    failed.refresh_from_db()
    assert failed.state == Execution.State.PENDING


def test_the_admin_lists_and_filters_executions(admin_client, failed):
    errors = admin_client.get("/admin/delivery/execution/", {"state__exact": "error"})
    completed = admin_client.get("/admin/delivery/execution/", {"state__exact": "completed"})

    assert "Error (gave up)" in errors.content.decode()
    assert "0 deliveries" in completed.content.decode()


def test_executions_are_found_by_any_of_their_ids_and_by_what_their_event_says(admin_client, client, wiring):
    first = route_and_try(client, wiring, {"id": 7, "customer": {"email": "Ada@Example.org"}})
    second = route_and_try(client, wiring, {"id": 8, "customer": {"email": "grace@example.org"}})

    def found(term: str) -> set:
        listing = admin_client.get("/admin/delivery/execution/", {"q": term})
        assert listing.status_code == 200
        return {execution.pk for execution in listing.context["cl"].result_list}

    assert found(str(first.event_id)) == {first.pk}
    assert found(str(second.pk)) == {second.pk}
    assert found(str(first.correlation_id)) == {first.pk}
    assert found("ada@example") == {first.pk}  # any text of the payload, in any case
    assert found("example.org") == {first.pk, second.pk}
    assert found("00000000-0000-0000-0000-000000000000") == set()
    assert found("customer created") == {first.pk, second.pk}  # the event type


def test_bulk_replay_from_the_admin(admin_client, failed):
    response = admin_client.post(
        "/admin/delivery/execution/", {"action": "replay_selected", "_selected_action": [str(failed.pk)]}, follow=True
    )

    assert "1 executions will be tried again" in response.content.decode()


def test_each_contract_shows_its_last_outcomes_and_success_rate(admin_client, client, wiring, subscriber):
    subscriber.reply(Reply(400, {}))
    failed = route_and_try(client, wiring)
    route_and_try(client, wiring)  # the next one succeeds

    listing = admin_client.get("/admin/hub/contract/").content.decode()
    page = admin_client.get(f"/admin/hub/contract/{failed.contract_id}/change/").content.decode()

    assert "50% of 2" in listing
    assert "How it has been going" in page
    assert page.count("/admin/delivery/execution/") >= 2
    assert "Error (gave up)" in page
    assert "Completed" in page


def test_the_execution_page_reads_plainly_once_it_gave_up(admin_client, client, wiring, subscriber):
    """Tries titled "Try 1", the last one "gave up", no next attempt, the event it delivers, times to the second."""
    _, _, action, _ = wiring
    action.max_tries = 1
    action.save()
    subscriber.reply(Reply(503, {"error": "maintenance"}))
    execution = route_and_try(client, wiring, {"id": 7, "name": "Ada"})

    page = admin_client.get(f"/admin/delivery/execution/{execution.pk}/change/").content.decode()

    assert execution.state == Execution.State.ERROR
    assert "Tries" in page
    assert "Try 1" in page
    assert "Failed, gave up" in page
    assert "Failed, will retry" not in page
    assert "Next attempt at" not in page
    assert "ERP answered 503 Service Unavailable." in page
    assert "&quot;name&quot;: &quot;Ada&quot;" in page  # the event it delivers
    assert localtime(execution.created_at).strftime("%Y-%m-%d %H:%M:%S") in page
