"""Settings for the test suite: the same as production, in a data folder of their own.

Tests start real worker and web processes; they inherit this environment, so they share the
suite's database file and broker folder and never touch a running development hub.
"""

import os
from pathlib import Path

# One folder per test run (processes started by the tests inherit it), so runs never share a database.
os.environ.setdefault(
    "JUNCTION_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test" / f"run-{os.getpid()}")
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
# Test subscribers and token endpoints listen on loopback.
os.environ.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")
# Lost tries are taken back within seconds, so tests that kill a worker do not wait minutes.
os.environ.setdefault("DELIVERY_LEASE_SECONDS", "3")
os.environ.setdefault("DELIVERY_SWEEP_SECONDS", "1")

from config.settings import *  # noqa: F403
