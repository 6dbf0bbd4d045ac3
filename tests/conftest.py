from pathlib import Path

import pytest

#: Real data to test against (a check catalog, agent discoveries), kept beside the project.
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip("the shared test data folder is not beside the project")
    return SHARED_DIR


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker process on the configured broker, using the test database."""
    from config.celery import app
    from tests.processes import start_worker

    with django_db_blocker.unblock():
        app.control.purge()
        worker = start_worker(log_path=tmp_path_factory.mktemp("worker") / "worker.log")
    yield worker
    worker.stop()
