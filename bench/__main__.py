"""Run benchmarks: ``python -m bench [name ...]`` (``make bench BENCH=eventstore``); each prints a table."""

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def main(names: list[str]) -> None:
    for name in names or available():
        if name not in available():
            sys.exit(f"Unknown benchmark {name!r}; available: {', '.join(available())}")
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
