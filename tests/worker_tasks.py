"""Tasks that exist only for the test suite's real worker (loaded with ``celery worker --include``)."""

import time
from pathlib import Path

from celery import shared_task

from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import NotYet, subscriber


@shared_task(bind=True, max_retries=5)
def flaky(self, log_path: str, failures: int, countdown: float) -> None:
    """Fail ``failures`` times, retrying with a countdown, then succeed; log every attempt."""
    log = Path(log_path)
    with log.open("a") as handle:
        handle.write(f"{time.time()}\n")
    attempts = len(log.read_text().splitlines())
    if attempts <= failures:
        raise self.retry(exc=RuntimeError(f"attempt {attempts} fails on purpose"), countdown=countdown)


@subscriber("test.probe", event_types=["Test.Probe"])
def probe(event: RecordedEvent) -> None:
    """Writes each probe event's position to the file the event names, from whichever process runs it;
    with ``fail_once``, the first try fails; with ``wait_once``, the first try says it cannot handle the
    event yet (as a reaction whose read model has not read it)."""
    failed = Path(event.data["log"] + ".failed")
    if event.data.get("fail_once") and not failed.exists():
        failed.touch()
        raise RuntimeError("not ready yet")
    if event.data.get("wait_once") and not failed.exists():
        failed.touch()
        raise NotYet("the read model has not read it yet")
    with Path(event.data["log"]).open("a") as handle:
        handle.write(f"{event.position}\n")
