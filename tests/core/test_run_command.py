import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.processes import ManagedProcess, free_port, wait_for

pytestmark = pytest.mark.slow

UP = "Press Ctrl-C to stop."


def start_hub(data_dir: Path, console_path: Path, *options: str) -> tuple[ManagedProcess, str]:
    """Start ``junction_run`` as on a fresh machine: nothing configured, so the embedded default."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env |= {
        "JUNCTION_DATA_DIR": str(data_dir),
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",  # as `make run` sets it for the demo
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SCHEDULER_HEARTBEAT_SECONDS": "1",
    }
    port = free_port()
    argv = [sys.executable, "manage.py", "junction_run", "--port", str(port), *options]
    hub = ManagedProcess([*argv, "--web-workers", "1", "--concurrency", "1"], log_path=console_path, env=env)
    return hub, f"http://127.0.0.1:{port}"


def wait_until_up(hub: ManagedProcess) -> str:
    """The console once the hub says it is up (it says so only when web, worker and beat work)."""
    wait_for(lambda: UP in hub.output() or hub.proc.poll() is not None, timeout=120, what="the hub to say it is up")
    assert UP in hub.output(), hub.output()
    return hub.output()


def printed_curl(console: str) -> str:
    """The curl command of the block, as a person would copy it (its continued lines included)."""
    lines = console.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("curl "))
    end = next(i for i in range(start, len(lines)) if not lines[i].endswith("\\"))
    return "\n".join(line.strip() for line in lines[start : end + 1])


def run_curl(command: str) -> str:
    """Run a printed curl command in a shell as pasted; the HTTP status it got."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    done = subprocess.run(
        ["sh", "-c", f"{command} -sS -o /dev/null -w '%{{http_code}}'"], capture_output=True, text=True, timeout=30
    )
    return done.stdout + done.stderr


def post_json(url: str, body: dict, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={**headers, "Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def assert_admin_login(base_url: str, username: str, password: str) -> None:
    """Log into the admin as a person would, with the printed login."""
    import requests

    session = requests.Session()
    login = f"{base_url}/admin/login/"
    session.get(login, timeout=10).raise_for_status()
    response = session.post(
        login,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": login},
        timeout=10,
    )
    assert response.url == f"{base_url}/admin/", response.text[:500]
    assert "Junction" in response.text
    assert "Log out" in response.text


def health(base_url: str) -> dict:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
            return json.load(response)
    except OSError:
        return {}


def assert_quiet(console: str) -> None:
    """The services' chatter stays in their logs: no traceback, no beat tick, no warning on the console."""
    assert "Traceback" not in console, console
    assert "Sending due task" not in console, console
    assert "celery" not in console.lower(), console
    assert "warning" not in console.lower(), console


def child_pid(parent: int, argv_part: str) -> int:
    """The pid of ``parent``'s child whose command line contains ``argv_part``."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and argv_part in cmdline:
            return int(stat.parent.name)
    raise AssertionError(f"no child of {parent} runs {argv_part!r}")


def test_one_command_starts_web_worker_and_beat_and_ctrl_c_stops_them(tmp_path):
    data = tmp_path / "data"
    hub, base_url = start_hub(data, tmp_path / "console.log")
    database = data / "junction.sqlite3"
    try:
        console = wait_until_up(hub)
        # Up means up: the web server answers and beat's tick has gone through the broker to the worker.
        assert health(base_url) == {"status": "ok", "database": {"ok": True}, "broker": {"ok": True}}
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT 1 FROM core_serviceheartbeat WHERE name = 'scheduler'").fetchone()
        password = (data / "demo_admin_password").read_text().strip()
        assert f"Admin:     {base_url}/admin/" in console
        assert f"Login:     admin / {password}" in console
        assert f"Logs:      {data / 'log'}/ (web.log, worker.log, beat.log)" in console
        key = re.search(r"API key:\s+(jct_\S+)", console).group(1)
        # The printed curl, pasted into a shell as it is, sends the demo order with the demo key.
        curl = printed_curl(console)
        assert f"X-API-Key: {key}" in curl
        assert f"{base_url}/api/v1/events/web_shop.order_placed" in curl
        assert run_curl(curl) == "202"
        order = {"order": {"id": 12}, "customer": {"email": "ada@example.com"}}
        accepted = post_json(f"{base_url}/api/v1/events/web_shop.order_placed", order, {"X-API-Key": key})
        assert accepted["status"] == "accepted"
        # A producer that can only put the key in the URL: accepted, and the key is in no log line.
        in_url = post_json(f"{base_url}/api/v1/events/web_shop.order_placed?access_key={key}", order, {})
        assert in_url["status"] == "accepted"
        assert_admin_login(base_url, "admin", password)
        with sqlite3.connect(database) as db:
            query = "SELECT state, tries_count FROM delivery_execution WHERE event_id = ?"
            wait_for(
                lambda: db.execute(query, [accepted["event_id"].replace("-", "")]).fetchone() == ("completed", 1),
                timeout=30,
                what="the demo order to reach the ERP",
            )
    finally:
        exit_code = hub.stop(signal.SIGINT)

    assert exit_code == 0, hub.output()
    console = hub.output()
    assert console.count(UP) == 1
    assert console.rstrip().endswith("Stopping web, worker and beat ...")
    assert_quiet(console)
    # Each service's output is in its own log file, in the data folder's log/ (var/log/ by default).
    logs = {name: (data / "log" / f"{name}.log").read_text() for name in ("web", "worker", "beat")}
    assert "Uvicorn running" in logs["web"]
    assert "/api/v1/events/web_shop.order_placed" in logs["web"]  # the access log
    assert "worker@" in logs["worker"]
    assert "ready." in logs["worker"]
    assert "Sending due task scheduler-heartbeat" in logs["beat"]
    assert all(key not in log for log in logs.values())


def test_a_second_start_reuses_what_exists(tmp_path):
    starts = []
    counts = (
        "SELECT (SELECT count(*) FROM hub_system), (SELECT count(*) FROM hub_contract), "
        "(SELECT count(*) FROM hub_apikey)"
    )
    for run in range(2):
        logs = tmp_path / f"logs-{run}"
        hub, _ = start_hub(tmp_path / "data", tmp_path / f"console-{run}.log", "--log-dir", str(logs))
        try:
            console = wait_until_up(hub)
            curl = printed_curl(console)
            if run == 1:  # the demo order sent at the first start is now the example
                assert '"id": 7' in curl
            assert run_curl(curl.replace('"id": 1}', '"id": 7}')) == "202"
        finally:
            assert hub.stop(signal.SIGINT) == 0, hub.output()
        assert_quiet(hub.output())
        assert {path.name for path in logs.iterdir()} == {"web.log", "worker.log", "beat.log"}  # as told
        lines = hub.output().splitlines()
        starts.append([next(line for line in lines if label in line) for label in ("Login:", "API key:")])
        with sqlite3.connect(tmp_path / "data" / "junction.sqlite3") as db:
            if run == 0:
                first_counts = db.execute(counts).fetchone()
                # Someone deletes the demo contract in the admin (a soft delete): the next start must cope.
                db.execute("UPDATE hub_contract SET deleted_at = CURRENT_TIMESTAMP WHERE identifier = 'order_to_erp'")

    assert starts[0] == starts[1]  # the same login and the same demo key, shown again
    assert not (tmp_path / "data" / "log").exists()
    with sqlite3.connect(tmp_path / "data" / "junction.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM auth_user").fetchone() == (1,)
        assert db.execute(counts).fetchone() == first_counts  # no demo item twice
        deleted = "SELECT deleted_at IS NOT NULL FROM hub_contract WHERE identifier = 'order_to_erp'"
        assert db.execute(deleted).fetchone() == (1,)  # and what was deleted stays deleted


def test_a_service_that_dies_is_named_with_its_log_and_the_others_stop(tmp_path):
    hub, base_url = start_hub(tmp_path / "data", tmp_path / "console.log")
    try:
        wait_until_up(hub)
        os.kill(child_pid(hub.proc.pid, "celery -A config worker"), signal.SIGKILL)
        hub.proc.wait(timeout=30)
    finally:
        hub.stop()

    assert hub.proc.returncode != 0
    console = hub.output()
    worker_log = tmp_path / "data" / "log" / "worker.log"
    said = f"The worker was killed by signal 9; stopping the hub. Last lines of {worker_log}:\n"
    assert said in console, console
    last_line = worker_log.read_text().splitlines()[-1]
    assert f"\n  | {last_line}\n" in console
    assert "Stopping web, worker and beat ..." in console
    assert health(base_url) == {}  # the web server was stopped too
