"""Values cached under a version: what a change to their source outdates is never served again."""

import pytest

from apps.core.cache import cache_get_versioned, cache_invalidate, cache_set_versioned

pytestmark = pytest.mark.django_db


def test_a_value_is_served_under_the_version_it_was_cached_in():
    assert cache_get_versioned("value", "version")[0] is None
    _, version = cache_get_versioned("value", "version")
    cache_set_versioned("value", {"computed": 1}, version, 60)

    assert cache_get_versioned("value", "version") == ({"computed": 1}, version)


def test_a_value_computed_before_a_change_and_cached_after_it_is_not_served():
    _, version = cache_get_versioned("value", "version")  # a request reads the version, then the source
    cache_invalidate(["version"])  # meanwhile the source changes
    cache_set_versioned("value", "stale", version, 60)  # the request caches what it read

    value, new_version = cache_get_versioned("value", "version")

    assert value is None
    assert new_version not in (None, version)  # a new version, never the dropped one again
