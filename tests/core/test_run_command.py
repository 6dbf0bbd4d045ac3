import json
import os
import re
import signal
import sqlite3
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.processes import ManagedProcess, free_port, wait_for

pytestmark = pytest.mark.slow


def start_hub(data_dir: Path, log_path: Path) -> tuple[ManagedProcess, str]:
    """Start ``junction_run`` as on a fresh machine: nothing configured, so the embedded default."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env |= {
        "JUNCTION_DATA_DIR": str(data_dir),
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",  # as `make run` sets it for the demo
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SCHEDULER_HEARTBEAT_SECONDS": "1",
    }
    port = free_port()
    argv = [sys.executable, "manage.py", "junction_run", "--port", str(port)]
    hub = ManagedProcess([*argv, "--web-workers", "1", "--concurrency", "1"], log_path=log_path, env=env)
    return hub, f"http://127.0.0.1:{port}"


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


def test_one_command_starts_web_worker_and_beat_and_ctrl_c_stops_them(tmp_path):
    hub, base_url = start_hub(tmp_path / "data", tmp_path / "hub.log")
    database = tmp_path / "data" / "junction.sqlite3"
    try:
        wait_for(lambda: health(base_url).get("status") == "ok", timeout=90, what="the hub to be healthy")

        def scheduler_ticked() -> bool:
            with sqlite3.connect(database) as db:
                return bool(db.execute("SELECT 1 FROM core_serviceheartbeat WHERE name = 'scheduler'").fetchone())

        wait_for(scheduler_ticked, timeout=90, what="a scheduler tick sent by beat and run by the worker")
        assert health(base_url) == {"status": "ok", "database": {"ok": True}, "broker": {"ok": True}}
        password = (tmp_path / "data" / "demo_admin_password").read_text().strip()
        assert f"{base_url}/admin/" in hub.output()
        assert f"admin / {password}" in hub.output()
        # The demo works out of the box: an order sent with the printed key reaches the (echo) ERP.
        key = re.search(r"Demo API key of the web shop \(shown once\): (\S+)", hub.output()).group(1)
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
    assert "Stopping web, worker and beat" in hub.output()
    # The key is shown once, in the start banner; the access log (on) never repeats it.
    after_banner = hub.output().split("Press Ctrl-C to stop.", 1)[1]
    assert "/api/v1/events/web_shop.order_placed" in after_banner
    assert key not in after_banner


def test_a_second_start_reuses_what_exists(tmp_path):
    logins = []
    counts = (
        "SELECT (SELECT count(*) FROM hub_system), (SELECT count(*) FROM hub_contract), "
        "(SELECT count(*) FROM hub_apikey)"
    )
    for run in range(2):
        hub, base_url = start_hub(tmp_path / "data", tmp_path / f"hub-{run}.log")
        try:
            wait_for(lambda url=base_url: health(url).get("status") == "ok", timeout=90, what="the web server")
        finally:
            assert hub.stop(signal.SIGINT) == 0, hub.output()
        logins.append(next(line for line in hub.output().splitlines() if "Login:" in line))
        with sqlite3.connect(tmp_path / "data" / "junction.sqlite3") as db:
            if run == 0:
                first_counts = db.execute(counts).fetchone()
                # Someone deletes the demo contract in the admin (a soft delete): the next start must cope.
                db.execute("UPDATE hub_contract SET deleted_at = CURRENT_TIMESTAMP WHERE identifier = 'order_to_erp'")

    assert logins[0] == logins[1]
    with sqlite3.connect(tmp_path / "data" / "junction.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM auth_user").fetchone() == (1,)
        assert db.execute(counts).fetchone() == first_counts  # no demo item twice
        deleted = "SELECT deleted_at IS NOT NULL FROM hub_contract WHERE identifier = 'order_to_erp'"
        assert db.execute(deleted).fetchone() == (1,)  # and what was deleted stays deleted
