import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

# The test worker loads these too (`--include`): both processes know the same tasks and subscribers.
import tests.worker_tasks  # noqa: F401
from tests.browser import browser  # noqa: F401 (the headless Chromium fixture of the browser tests)

#: Real data to test against (a check catalog, agent discoveries), kept beside the project.
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip("the shared test data folder is not beside the project")
    return SHARED_DIR


@pytest.fixture
def shared_catalog(shared_dir: Path, settings) -> Path:
    """The checks app reads the shared Trento catalog (as the worker does by default)."""
    folder = shared_dir / "trento-checks" / "catalog"
    settings.CHECKS_CATALOG_DIRS = [str(folder)]
    return folder


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker process on the configured broker, using the test database, with its
    delivery engine. One per module: tests of other modules can start workers of their own (and kill
    them) without another engine taking their deliveries."""
    from django.core.cache import cache

    from config.celery import app
    from tests.processes import start_worker

    with django_db_blocker.unblock():
        app.control.purge()
        cache.clear()  # wake-up marks of purged messages would hold back new wake-ups
        worker = start_worker(log_path=tmp_path_factory.mktemp("worker") / "worker.log")
    yield worker
    worker.stop()


@pytest.fixture
def web(tmp_path, transactional_db):
    """The web server as `make run` starts it, on the test database (live pages poll every 50 ms)."""
    from tests.processes import start_web

    server, base = start_web(log_path=tmp_path / "web.log", extra_env={"LIVE_POLL_SECONDS": "0.05"})
    yield base
    server.stop()


@pytest.fixture(autouse=True)
def _empty_shared_cache(request):
    """Each test that uses the database starts with an empty shared cache: Redis keeps what a test
    wrote after its database was rolled back (cached API keys, discovery verdicts)."""
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        from django.core.cache import cache

        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            cache.clear()


@pytest.fixture
def queries_beyond_the_cache():
    """``with queries_beyond_the_cache() as queries:`` the SQL run in the block, leaving out the shared
    cache's own (on the embedded default the cache is a database table, written in savepoints; a
    savepoint alone reads and writes nothing)."""

    @contextmanager
    def capture():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        queries: list[str] = []
        with CaptureQueriesContext(connection) as captured:
            yield queries
        sql = [q["sql"] or "" for q in captured.captured_queries]
        queries.extend(q for q in sql if "junction_cache" not in q and not q.startswith(("SAVEPOINT", "RELEASE")))

    return capture


@pytest.fixture
def subscriber():
    """A real HTTP subscriber on loopback (which the test settings allow actions to call)."""
    from tests.subscriber import Subscriber

    with Subscriber() as server:
        yield server


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's data folder (database, broker files) unless a run failed and it may help."""
    from django.conf import settings

    if exitstatus == 0 and settings.DATA_DIR.name.startswith("run-"):
        shutil.rmtree(settings.DATA_DIR, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _single_events_group_commit_stopped_at_the_end(django_db_setup):
    """Transactional tests store webhook events through the process's group commit, whose thread keeps
    a database connection: it is closed before the test database is dropped."""
    yield
    from apps.ingest.apis import received_together

    received_together.stop()
