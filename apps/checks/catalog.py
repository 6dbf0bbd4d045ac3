"""The check catalog of this process: loaded once from ``CHECKS_CATALOG_DIRS``, load errors kept.

Each process (web, worker) reads the folders on first use and keeps the result; a changed setting
(``override_settings`` in tests) simply selects another cached catalog. ``catalog_reload`` forgets
them, so edited files are read again (the admin's "Reload" button does it for the web process).
"""

from pathlib import Path

from django.conf import settings

from apps.checks.engine import Catalog, Check, load_catalog

_loaded: dict[tuple[str, ...], Catalog] = {}


def catalog() -> Catalog:
    dirs = tuple(settings.CHECKS_CATALOG_DIRS)
    if dirs not in _loaded:
        _loaded[dirs] = load_catalog([Path(directory) for directory in dirs])
    return _loaded[dirs]


def catalog_reload() -> Catalog:
    _loaded.clear()
    return catalog()


def check_get(check_id: str) -> Check | None:
    return catalog().get(check_id)


def catalog_groups() -> list[str]:
    return sorted({check.group for check in catalog().checks.values()})
