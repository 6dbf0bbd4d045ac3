from pathlib import Path

import pytest

#: Real data to test against (a check catalog, agent discoveries), kept beside the project.
SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip("the shared test data folder is not beside the project")
    return SHARED_DIR
