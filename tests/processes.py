"""Real processes for end-to-end tests: a Celery worker and the one-command hub."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

REPO_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database the test run created, for processes started by the tests."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["USER"] else ""
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class ManagedProcess:
    """A subprocess whose output goes to a log file that a test can read and print on failure."""

    def __init__(self, argv: list[str], *, log_path: Path, env: dict[str, str]):
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            argv, cwd=REPO_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the process and its children at once, as a crash or an OOM kill would."""
        os.killpg(self.proc.pid, 9)
        self.proc.wait()

    def stop(self, sig: int = 15, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def start_worker(
    *,
    log_path: Path,
    concurrency: int = 2,
    queues: str = "celery,housekeeping",
    extra_env: dict[str, str] | None = None,
) -> ManagedProcess:
    env = {**os.environ, "DATABASE_URL": test_database_url(), **(extra_env or {})}
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
    argv += ["--concurrency", str(concurrency), "--queues", queues, "--include", "tests.worker_tasks"]
    argv += ["--hostname", f"test-{os.getpid()}-{free_port()}@%h", "--without-mingle", "--without-gossip"]
    worker = ManagedProcess(argv, log_path=log_path, env=env)
    try:
        wait_for(lambda: "ready." in worker.output(), timeout=60, what="the worker to be ready")
    except AssertionError:
        worker.stop()
        raise AssertionError(f"worker did not start:\n{worker.output()}") from None
    return worker


def start_beat(*, log_path: Path, schedule_path: Path, extra_env: dict[str, str] | None = None) -> ManagedProcess:
    env = {**os.environ, "DATABASE_URL": test_database_url(), **(extra_env or {})}
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "beat",
        "--loglevel",
        "INFO",
        "--schedule",
        str(schedule_path),
    ]
    return ManagedProcess(argv, log_path=log_path, env=env)
