"""Tasks that exist only for the test suite's real worker (loaded with ``celery worker --include``)."""

import time
from pathlib import Path

from celery import shared_task

from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import subscriber


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
    with ``fail_once``, the first try fails (as a handler whose read model is not there yet)."""
    failed = Path(event.data["log"] + ".failed")
    if event.data.get("fail_once") and not failed.exists():
        failed.touch()
        raise RuntimeError("not ready yet")
    with Path(event.data["log"]).open("a") as handle:
        handle.write(f"{event.position}\n")
