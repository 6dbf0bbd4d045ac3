import logging
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from apps.core.models import ServiceHeartbeat
from apps.eventstore import store, subscriptions
from apps.eventstore.models import Subscription
from apps.eventstore.store import NewEvent
from tests.processes import start_beat, wait_for


@pytest.fixture
def seen():
    """A subscription 'test.seen' that keeps what it handled in a list and a table (its read model)."""
    handled = []

    def handle(event):
        if event.data.get("fail"):
            raise RuntimeError("handler failed on purpose")
        ServiceHeartbeat.objects.create(name=event.data["name"], last_seen=event.recorded_at)
        handled.append(event.data["name"])

    subscriptions.subscriber(
        "test.seen", event_types=["Test.Seen"], reset=lambda: ServiceHeartbeat.objects.all().delete()
    )(handle)
    yield handled
    subscriptions.unregister("test.seen")


def append(name, **extra):
    return store.append(f"seen-{name}", [NewEvent("Test.Seen", {"name": name, **extra})])


@pytest.mark.django_db
def test_a_subscription_sees_every_event_once_in_order_and_keeps_its_cursor(seen):
    for name in ("a", "b", "c"):
        append(name)
    store.append("other", [NewEvent("Test.Other", {})])

    assert subscriptions.run_subscription("test.seen") == 4
    append("d")
    subscriptions.run_subscription("test.seen")
    subscriptions.run_subscription("test.seen")

    assert seen == ["a", "b", "c", "d"]
    cursor = Subscription.objects.get(name="test.seen")
    assert cursor.events_handled == 4
    assert cursor.last_position == store.read_stream("seen-d")[0].position


@pytest.mark.django_db
def test_a_failing_handler_commits_neither_its_writes_nor_the_cursor_and_retries_later(seen):
    append("a")
    append("b", fail=True)

    subscriptions.run_subscription("test.seen", batch_size=10)

    cursor = Subscription.objects.get(name="test.seen")
    assert cursor.last_position == 0
    assert "handler failed on purpose" in cursor.last_error
    assert cursor.failing_since is not None
    assert not ServiceHeartbeat.objects.exists()


@pytest.mark.django_db
def test_a_handler_that_cannot_handle_an_event_yet_makes_its_subscription_wait_quietly_not_fail(caplog):
    ready = False

    def handle(event):
        if not ready:
            raise subscriptions.NotYet("the read model has not read it yet")
        ServiceHeartbeat.objects.create(name=event.data["name"], last_seen=event.recorded_at)

    subscriptions.subscriber("test.waits", event_types=["Test.Seen"])(handle)
    try:
        append("a")
        subscriptions.run_subscription("test.waits")

        cursor = Subscription.objects.get(name="test.waits")
        assert (cursor.last_position, cursor.failing_since, cursor.last_error) == (0, None, "")
        assert cursor.waiting_for == "the read model has not read it yet"
        assert subscriptions.stopped("test.waits")
        assert not subscriptions.failing("test.waits")
        assert not [record for record in caplog.records if record.levelno >= logging.WARNING]

        ready = True
        subscriptions.run_subscription("test.waits")

        cursor.refresh_from_db()
        assert cursor.waiting_for == ""
        assert cursor.events_handled == 1
        assert not subscriptions.stopped("test.waits")
        assert ServiceHeartbeat.objects.filter(name="a").exists()
    finally:
        subscriptions.unregister("test.waits")


@pytest.mark.django_db
def test_a_failure_reported_after_another_runner_moved_the_cursor_on_leaves_that_success_standing(seen):
    """A failed batch rolls back and unlocks the row before its failure is written down; meanwhile
    another runner may handle the same events. Its success must not be overwritten."""
    append("a")
    subscriptions.run_subscription("test.seen")
    failed_at = (0, 0)  # where the failed batch had started

    subscriptions._record_stop("test.seen", RuntimeError("handler failed on purpose"), at=failed_at)

    assert not subscriptions.stopped("test.seen")
    assert Subscription.objects.get(name="test.seen").last_error == ""


@pytest.mark.django_db
def test_catch_up_from_the_start_rebuilds_the_read_model(seen, capsys):
    for name in ("a", "b", "c"):
        append(name)
    subscriptions.run_subscription("test.seen")
    ServiceHeartbeat.objects.filter(name="b").delete()  # the read model got damaged

    call_command("eventstore_catchup", "test.seen", "--from-start", "--batch-size", "2")

    assert sorted(ServiceHeartbeat.objects.values_list("name", flat=True)) == ["a", "b", "c"]
    assert "test.seen: caught up" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no commit-order gaps")
@pytest.mark.django_db(transaction=True)
def test_a_later_commit_is_never_delivered_before_an_earlier_open_append(seen):
    appended, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            append("first")
            appended.set()
            release.wait(10)
        connection.close()
        done.set()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    appended.wait(10)
    append("second")  # commits while "first" is still open, with a higher position
    assert store.read_stream("seen-second")[0].position > 0

    subscriptions.run_subscription("test.seen")
    assert seen == []

    release.set()
    done.wait(10)
    writer.join()
    subscriptions.run_subscription("test.seen")
    subscriptions.run_subscription("test.seen")

    assert seen == ["first", "second"]


@pytest.mark.django_db
def test_lag_counts_the_events_a_subscription_has_still_to_handle(seen):
    store.append("other", [NewEvent("Test.Other", {})])
    assert subscriptions.lag("test.seen") == 0  # nothing it wants
    append("a")
    append("b")
    assert subscriptions.lag("test.seen") == 2

    subscriptions.run_subscription("test.seen")

    assert subscriptions.lag("test.seen") == 0


@pytest.mark.django_db
def test_an_append_wakes_only_the_subscriptions_that_want_its_type(seen, monkeypatch):
    """Waking a subscription costs a task; one that wants none of the appended types reads past them later."""
    from django.core.cache import cache

    from apps.eventstore.tasks import run_subscription_task

    woken = []
    monkeypatch.setattr(run_subscription_task, "delay", woken.append)
    subscriptions.subscriber("test.everything")(lambda event: None)
    try:
        cache.clear()
        subscriptions.wake_subscribers(["Test.Other"])
        assert "test.seen" not in woken
        assert "test.everything" in woken

        cache.clear()
        subscriptions.wake_subscribers(["Test.Other", "Test.Seen"])
        assert woken.count("test.seen") == 1
    finally:
        subscriptions.unregister("test.everything")


@pytest.mark.django_db
def test_a_wake_up_that_fails_after_the_commit_loses_nothing(seen, monkeypatch, django_capture_on_commit_callbacks):
    """The broker or the cache is down: the append still succeeds and the sweep reads the event later."""
    from django.core.cache import cache

    from apps.eventstore.tasks import run_subscription_task

    def broker_down(name):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(run_subscription_task, "delay", broker_down)
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (event,) = store.append("service-1", [NewEvent("Test.Seen", {"name": "api"})])

    assert len(callbacks) == 1
    assert store.events_by_id([event.event_id])
    subscriptions.run_subscription("test.seen")
    assert seen == ["api"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_append_wakes_subscribers_in_a_real_worker(celery_worker, tmp_path):
    log = tmp_path / "probe.log"

    (event,) = store.append("probe-1", [NewEvent("Test.Probe", {"log": str(log)})])

    wait_for(lambda: log.exists(), timeout=20, what=f"the worker to handle the event:\n{celery_worker.output()}")
    assert log.read_text().split() == [str(event.position)]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_subscription_that_failed_is_tried_again_soon_without_waiting_for_the_sweep(celery_worker, tmp_path):
    log = tmp_path / "probe.log"

    (event,) = store.append("probe-1", [NewEvent("Test.Probe", {"log": str(log), "fail_once": True})])

    wait_for(lambda: log.exists(), timeout=20, what=f"the retried run:\n{celery_worker.output()}")
    assert (tmp_path / "probe.log.failed").exists()  # it did fail first
    assert log.read_text().split() == [str(event.position)]
    # The handler writes the log inside the run's transaction: the run clears the failure as it commits.
    wait_for(lambda: not subscriptions.failing("test.probe"), timeout=10, what="the retried run to commit")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_subscription_that_waits_is_tried_again_soon_and_logs_no_error(celery_worker, tmp_path):
    log = tmp_path / "probe.log"
    earlier_output = len(celery_worker.output())  # the worker serves the whole module

    (event,) = store.append("probe-1", [NewEvent("Test.Probe", {"log": str(log), "wait_once": True})])

    wait_for(lambda: log.exists(), timeout=20, what=f"the retried run:\n{celery_worker.output()}")
    assert (tmp_path / "probe.log.failed").exists()  # it did wait first
    assert log.read_text().split() == [str(event.position)]
    wait_for(lambda: not subscriptions.stopped("test.probe"), timeout=10, what="the retried run to commit")
    output = celery_worker.output()[earlier_output:]
    assert "waits: the read model has not read it yet" in output
    assert "Traceback" not in output
    assert "ERROR" not in output


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_scheduled_sweep_catches_up_when_no_wake_up_was_sent(celery_worker, tmp_path, settings):
    settings.EVENTSTORE_WAKE_SUBSCRIBERS = False  # as if the broker lost the wake-up message
    log = tmp_path / "probe.log"
    (event,) = store.append("probe-1", [NewEvent("Test.Probe", {"log": str(log)})])

    beat = start_beat(
        log_path=tmp_path / "beat.log",
        schedule_path=tmp_path / "schedule",
        extra_env={"EVENTSTORE_SWEEP_SECONDS": "1"},
    )
    try:
        wait_for(lambda: log.exists(), timeout=30, what=f"the sweep:\n{celery_worker.output()}")
    finally:
        beat.stop()
    assert log.read_text().split() == [str(event.position)]
