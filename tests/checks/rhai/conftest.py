from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture(scope="session")
def catalog(shared_dir: Path) -> dict[str, dict[str, Any]]:
    """The real check catalog, by check id."""
    files = sorted((shared_dir / "trento-checks" / "catalog").glob("*.yaml"))
    checks = {}
    for path in files:
        check = yaml.safe_load(path.read_text())
        checks[check["id"]] = check
    return checks
