import itertools

import pytest

from tests.processes import wait_for
from tests.worker_tasks import flaky

pytestmark = pytest.mark.slow


def test_a_real_worker_retries_a_failing_task_with_its_countdown(celery_worker, tmp_path):
    attempts_log = tmp_path / "attempts"

    flaky.delay(str(attempts_log), failures=2, countdown=1.0)

    def three_attempts():
        return attempts_log.exists() and len(attempts_log.read_text().split()) == 3

    wait_for(three_attempts, timeout=30, what=f"three attempts; worker log:\n{celery_worker.output()}")
    times = [float(line) for line in attempts_log.read_text().split()]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert "succeeded" in wait_for(
        lambda: celery_worker.output().count("succeeded") and celery_worker.output(), timeout=10
    )
