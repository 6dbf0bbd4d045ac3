"""Write one golden per fixture envelope: ``python -m tests.discovery.make_goldens`` from the project root.

Review the diff before committing: a golden is what the policies *should* produce, not whatever
they produce today.
"""

import json
import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    django.setup()
    from tests.conftest import SHARED_DIR
    from tests.discovery.support import GOLDENS, envelope_paths, golden_path, load, outcome

    GOLDENS.mkdir(exist_ok=True)
    for stale in GOLDENS.glob("*.json"):
        stale.unlink()
    for relative in envelope_paths(SHARED_DIR):
        golden = {"fixture": relative, **outcome(load(SHARED_DIR, relative))}
        golden_path(relative).write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
