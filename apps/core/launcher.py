"""Run the whole hub in one terminal: web server, Celery worker and Celery beat.

The processes are real and separate, exactly as in production; this module only starts them,
prefixes nothing, and stops all of them when one dies or when the user presses Ctrl-C.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MANAGE_PY = str(Path(__file__).resolve().parents[2] / "manage.py")


def web_server_argv(*, host: str, port: int, workers: int) -> list[str]:
    """The web server as every deployment starts it (``make run``, compose, benchmarks, fuzzing)."""
    return [sys.executable, MANAGE_PY, "junction_web", "--host", host, "--port", str(port), "--workers", str(workers)]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    argv: list[str]


def hub_services(
    *, host: str, port: int, web_workers: int, worker_concurrency: int, beat_schedule: str
) -> list[ServiceSpec]:
    python = sys.executable
    return [
        ServiceSpec("web", web_server_argv(host=host, port=port, workers=web_workers)),
        ServiceSpec(
            "worker",
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(worker_concurrency),
                "--hostname",
                "worker@%h",
            ],
        ),
        ServiceSpec(
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                beat_schedule,
            ],
        ),
    ]


def run_services(specs: list[ServiceSpec], *, say: Callable[[str], None], stop_timeout: float = 15) -> int:
    """Start every service; return when one exits or on SIGINT/SIGTERM, after stopping the others."""
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    # Each child gets its own process group so the terminal's Ctrl-C reaches only us; we then stop
    # the children in order, giving each time for a warm shutdown (the worker finishes its task).
    processes = {
        spec.name: subprocess.Popen(spec.argv, env=os.environ.copy(), start_new_session=True) for spec in specs
    }
    exit_code = 0
    try:
        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    say(f"{name} exited with code {proc.returncode}; stopping the hub")
                    exit_code = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.3)
    finally:
        say("Stopping web, worker and beat ...")
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + stop_timeout
        for proc in processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code
