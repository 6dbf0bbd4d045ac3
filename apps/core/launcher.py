"""Run the whole hub in one terminal: web server, Celery worker and Celery beat.

The processes are real and separate, exactly as in production; this module only starts them, sends
each one's output to its own log file, and stops all of them when one dies or when the user presses
Ctrl-C (or closes the terminal).
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
#: How long to wait for the hub to be up before saying what it is still waiting for.
SLOW_START_SECONDS = 60
#: Lines of a dead service's log shown on the console.
TAIL_LINES = 15


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


def shown_path(path: Path) -> str:
    """``path`` as a person in the current directory would type it."""
    path = path.resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def log_tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    with path.open("rb") as log:
        log.seek(max(0, log.seek(0, os.SEEK_END) - 64 * 1024))
        return log.read().decode(errors="replace").splitlines()[-lines:]


def names_in_words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def run_services(
    specs: list[ServiceSpec],
    *,
    log_dir: Path,
    say: Callable[[str], None],
    waiting_for: Callable[[], str | None] = lambda: None,
    on_ready: Callable[[], None] = lambda: None,
    stop_timeout: float = 15,
) -> int:
    """Start every service, its output in ``log_dir/<name>.log``; call ``on_ready`` once ``waiting_for``
    returns None (until then it names what is not up yet). Return when a service exits or on
    SIGINT/SIGTERM/SIGHUP, after stopping the others."""
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    log_dir.mkdir(parents=True, exist_ok=True)
    logs = {spec.name: (log_dir / f"{spec.name}.log").open("wb") for spec in specs}
    # Unbuffered, so a log holds everything up to the moment a service dies.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Each child gets its own process group so the terminal's Ctrl-C reaches only us; we then stop
    # the children in order, giving each time for a warm shutdown (the worker finishes its task).
    processes = {
        spec.name: subprocess.Popen(
            spec.argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=logs[spec.name],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for spec in specs
    }
    started = time.monotonic()
    ready = slow_reported = False
    exit_code = 0
    try:
        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    say(service_died(name, proc.returncode, Path(logs[name].name)))
                    exit_code = proc.returncode or 1
                    stopping = True
                    break
            if not stopping and not ready:
                missing = waiting_for()
                if missing is None:
                    ready = True
                    on_ready()
                elif not slow_reported and time.monotonic() - started > SLOW_START_SECONDS:
                    slow_reported = True
                    say(
                        f"Still waiting for {missing} after {SLOW_START_SECONDS} s; "
                        f"the logs in {shown_path(log_dir)}/ may say why."
                    )
            time.sleep(0.3)
    finally:
        say(f"Stopping {names_in_words(list(processes))} ...")
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
        for log in logs.values():
            log.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code


def service_died(name: str, returncode: int, log_path: Path) -> str:
    """What the console says when a service exits on its own: which one, how, and its last words."""
    how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited with code {returncode}"
    tail = "".join(f"\n  | {line}" for line in log_tail(log_path))
    return f"The {name} {how}; stopping the hub. Last lines of {shown_path(log_path)}:{tail}"
