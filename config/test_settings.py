"""Settings for the test suite: the same as production, in a data folder of their own.

Tests start real worker and web processes; they inherit this environment, so they share the
suite's database file and broker folder and never touch a running development hub.
"""

import os
from pathlib import Path

os.environ.setdefault("JUNCTION_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
# Test subscribers and token endpoints listen on loopback.
os.environ.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")

from config.settings import *  # noqa: F403
