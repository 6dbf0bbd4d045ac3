import pytest

from tests.discovery.support import load


@pytest.fixture
def envelope(shared_dir):
    """A fixture envelope by its path under ``trento-discovery/fixtures`` (a fresh copy each time)."""
    return lambda relative: load(shared_dir, relative)
