"""Real processes for end-to-end tests: a Celery worker, the one-command hub, private Redis and PostgreSQL."""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from django.db import connection

REPO_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def suite_database_url() -> str:
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
    env = {**os.environ, "DATABASE_URL": suite_database_url(), **(extra_env or {})}
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
    env = {**os.environ, "DATABASE_URL": suite_database_url(), **(extra_env or {})}
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


def start_web(*, log_path: Path, extra_env: dict[str, str] | None = None) -> tuple[ManagedProcess, str]:
    """The web server as `make run` starts it (websockets included), on the test database; and its URL."""
    from apps.core.launcher import MANAGE_PY, web_server_argv

    env = {**os.environ, "DATABASE_URL": suite_database_url(), **(extra_env or {})}
    subprocess.run([sys.executable, MANAGE_PY, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    port = free_port()
    server = ManagedProcess(web_server_argv(host="127.0.0.1", port=port, workers=1), log_path=log_path, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _serving(base), timeout=60, what="the web server")
    except AssertionError:
        server.stop()
        raise AssertionError(f"the web server did not start:\n{server.output()}") from None
    return server, base


def _serving(base: str) -> bool:
    import requests

    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code in (200, 503)
    except requests.RequestException:
        return False


SHOP = """
from tests.hub import factories
shop, key = factories.producer_with_key("Shop")
erp = factories.system("ERP", role="subscriber")
event = factories.event_type(shop, "order placed")
action = factories.action(erp, url="{url}/orders", body={{"n": "{{{{ $.body.n }}}}"}}, max_tries=50,
                          retry_base_seconds=1, retry_max_seconds=2)
factories.contract(event, action)
print(key)
"""


def shop_configured(env: dict[str, str], *, subscriber_url: str) -> str:
    """Migrate the database of ``env`` and wire `shop.order_placed` to an action at ``subscriber_url``
    (its body: the event's ``n``); the shop's API key."""
    manage = [sys.executable, str(REPO_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, stdout=subprocess.DEVNULL)
    script = SHOP.format(url=subscriber_url)
    configured = subprocess.run([*manage, "shell", "-c", script], env=env, check=True, capture_output=True, text=True)
    return configured.stdout.strip().splitlines()[-1]


class PrivateRedis:
    """A redis-server of the test's own on a free port, so stopping it disturbs nothing else."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        wait_for(lambda: _answers(client.ping), timeout=10, interval=0.05, what="the private redis-server")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def _answers(ping) -> bool:
    try:
        return bool(ping())
    except redis.ConnectionError:
        return False


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, a free port, trust on
    loopback). PostgreSQL refuses to run as root, so under root it runs as the ``postgres`` user."""

    def __init__(self) -> None:
        bindir = _postgres_bindir()
        self.initdb = bindir and bindir / "initdb"
        self.pg_ctl = bindir and bindir / "pg_ctl"
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="junction-pg-"))
        self.data = self.directory / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def available(self) -> bool:
        return bool(self.initdb and self.initdb.exists() and (not self.as_user or _user_exists("postgres")))

    @property
    def url(self) -> str:
        return f"postgres://junction@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        if not self.data.exists():
            if self.as_user:
                shutil.chown(self.directory, "postgres")
            self._run(self.initdb, "-D", self.data, "-U", "junction", "--auth=trust", "--no-sync")
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run(self.pg_ctl, "-D", self.data, "-l", self.directory / "log", "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", self.data, "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, *argv: object) -> None:
        subprocess.run([*self.as_user, *map(str, argv)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or where Debian's pg_config says (they are not on PATH there)."""
    if initdb := shutil.which("initdb"):
        return Path(initdb).parent
    try:
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        return Path(found.stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return None


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
