from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.checks.engine import Catalog, Check, load_catalog


@pytest.fixture(scope="session")
def catalog_dir(shared_dir: Path) -> Path:
    return shared_dir / "trento-checks" / "catalog"


@pytest.fixture(scope="session")
def catalog(catalog_dir: Path) -> Catalog:
    return load_catalog([catalog_dir])


def check_definition(check_id: str, **changes: Any) -> dict[str, Any]:
    """A minimal valid check definition; ``changes`` replace keys (``None`` removes one)."""
    definition = {
        "id": check_id,
        "name": f"check {check_id}",
        "group": "Test",
        "description": "a test check",
        "remediation": "## Remediation\nfix it",
        "metadata": {"target_type": "cluster"},
        "facts": [{"name": "answer", "gatherer": "test_gatherer@v1", "argument": "x"}],
        "expectations": [{"name": "is_42", "expect": "facts.answer == 42"}],
    }
    definition.update(changes)
    return {key: value for key, value in definition.items() if value is not None}


def write_check(directory: Path, check_id: str, file_name: str | None = None, **changes: Any) -> Path:
    path = directory / (file_name or f"{check_id}.yaml")
    path.write_text(yaml.safe_dump(check_definition(check_id, **changes), sort_keys=False))
    return path


def make_check(tmp_path: Path, check_id: str = "AAAAAA", **changes: Any) -> Check:
    """Load one synthetic check through the real loader, failing the test on any load error."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    write_check(tmp_path, check_id, **changes)
    loaded = load_catalog([tmp_path])
    assert loaded.errors == []
    return loaded.checks[check_id]
