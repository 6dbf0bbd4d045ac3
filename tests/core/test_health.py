import pytest


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_reachable_with_details_for_staff(admin_client):
    response = admin_client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["scheduler"] == {"last_tick": None}


@pytest.mark.django_db
def test_healthz_tells_anyone_only_up_or_down(client):
    response = client.get("/healthz")

    assert response.json() == {"status": "ok", "database": {"ok": True}, "broker": {"ok": True}}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, monkeypatch):
    from kombu import Connection

    from config.celery import app

    # A real connection attempt to a port where nothing listens.
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": {"ok": True}, "broker": {"ok": False}}


def test_admin_is_branded_junction(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert b"Junction" in response.content


def test_the_deployment_check_is_clean_with_the_production_variables(tmp_path):
    """`manage.py check --deploy` with what the README asks of a production deployment."""
    import os
    import subprocess
    import sys

    from tests.processes import REPO_DIR

    env = {**os.environ, "JUNCTION_HTTPS": "true", "DEBUG": "false", "JUNCTION_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout
