import pytest

from apps.eventlog.models import LogAccess
from tests.hub import factories
from tests.landscape.conftest import agent_key, sap_landscape  # noqa: F401 (fixtures of the commands' tests)
from tests.landscape.test_lifecycle import clustered_db_host  # noqa: F401


def grant(name: str = "Data lake", **access) -> str:
    """A system with an API key and the given access to the event log; its key."""
    system, key = factories.producer_with_key(name)
    LogAccess.objects.create(system=system, **access)
    return key


@pytest.fixture
def reader(db) -> str:
    """The API key of a system that may read the whole event log."""
    return grant()
