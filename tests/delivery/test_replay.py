"""Replaying deliveries by filter: a background job that goes through them chunk by chunk and shows progress."""

import pytest

from apps.delivery import services
from apps.delivery.engine import deliver_due
from apps.delivery.models import Execution, ReplayJob
from tests.delivery.conftest import receive
from tests.subscriber import Reply
from tests.subscriptions import catch_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcomes(client, wiring, subscriber):
    """Five deliveries: three gave up (HTTP 400), two completed."""
    key, event, _, _ = wiring
    subscriber.reply(*[Reply(400, {"error": "no"})] * 3)
    for number in range(5):
        receive(client, key, event.identifier, {"id": number})
        catch_up("delivery.router")
        deliver_due()
    assert sorted(Execution.objects.values_list("state", flat=True)) == ["completed"] * 2 + ["error"] * 3
    return list(Execution.objects.filter(state=Execution.State.ERROR))


def test_a_replay_job_sends_again_every_matching_delivery_with_the_same_webhook_id(outcomes, subscriber):
    job = services.replay_job_create(states=["error"], requested_by="ada")
    assert (job.total, job.state) == (3, ReplayJob.State.QUEUED)

    services.replay_job_run(job.pk, chunk=2)

    job.refresh_from_db()
    assert (job.state, job.replayed, job.skipped, job.progress) == (ReplayJob.State.DONE, 3, 0, 1.0)
    assert deliver_due() == 3
    replayed = {r.headers["webhook-id"] for r in subscriber.received[5:]}
    assert replayed == {str(execution.pk) for execution in outcomes}
    assert set(Execution.objects.values_list("state", flat=True)) == {Execution.State.COMPLETED}


def test_a_job_taken_up_again_carries_on_from_where_it_got_to(outcomes):
    job = services.replay_job_create(states=["error"])
    first, *rest = sorted(outcomes, key=lambda e: (e.created_at, e.pk))
    ReplayJob.objects.filter(pk=job.pk).update(
        state=ReplayJob.State.RUNNING, replayed=1, cursor=[first.created_at.isoformat(), str(first.pk)]
    )
    Execution.objects.filter(pk=first.pk).update(state=Execution.State.COMPLETED)  # delivered meanwhile

    services.replay_job_run(job.pk)

    job.refresh_from_db()
    assert (job.state, job.replayed) == (ReplayJob.State.DONE, 3)
    assert Execution.objects.get(pk=first.pk).state == Execution.State.COMPLETED  # not replayed twice
    assert {e.state for e in Execution.objects.filter(pk__in=[e.pk for e in rest])} == {Execution.State.PENDING}


def test_the_api_starts_a_replay_by_filter_and_reports_its_progress(admin_client, outcomes, wiring):
    _, _, _, contract = wiring
    response = admin_client.post(
        "/api/v1/replays", {"contract": contract.identifier, "states": ["error"]}, content_type="application/json"
    )

    assert response.status_code == 202, response.content
    assert response.json()["total"] == 3
    services.replay_job_run(response.json()["id"])
    progress = admin_client.get(f"/api/v1/replays/{response.json()['id']}").json()
    assert (progress["state"], progress["replayed"], progress["progress"]) == ("done", 3, 1.0)
    backwards = {"created_from": "2026-12-06T10:00:00Z", "created_until": "2026-12-06T09:00:00Z"}
    assert admin_client.post("/api/v1/replays", backwards, content_type="application/json").status_code == 400
    refused = admin_client.post("/api/v1/replays", {"states": ["lost"]}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["states"] == {"0": ['"lost" is not a valid choice.']}


def test_the_admin_replays_by_the_filter_of_the_list_and_shows_progress(admin_client, outcomes):
    form = admin_client.get("/admin/delivery/execution/replay-by-filter/?state__exact=error")
    assert 'value="error" id="id_states_3" checked' in form.content.decode()

    counted = admin_client.post("/admin/delivery/execution/replay-by-filter/", {"states": ["error"], "_count": "1"})
    assert "3 deliveries match these filters now." in counted.content.decode()

    started = admin_client.post("/admin/delivery/execution/replay-by-filter/", {"states": ["error"]}, follow=True)
    page = started.content.decode()
    assert "Replaying 3 deliveries in the background." in page
    assert "0 of 3 deliveries sent again" in page
    assert 'http-equiv="refresh"' in page  # it refreshes until done


def test_the_replay_jobs_list_shows_progress_and_offers_a_new_replay(admin_client, outcomes):
    services.replay_job_create(states=["error"], requested_by="ada")

    page = admin_client.get("/admin/delivery/replayjob/").content.decode()

    assert "Replay by filter…" in page
    assert '<progress max="1" value="0.000"></progress> 0 / 3' in page
    assert "state error" in page
