"""Reachability of what the hub stands on: the database, the broker and the scheduler."""

import json
import urllib.request
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection

from apps.core.models import ServiceHeartbeat
from config.celery import app as celery_app


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)}


def broker_status() -> dict[str, Any]:
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": str(exc)}


def scheduler_status() -> dict[str, Any]:
    beat = ServiceHeartbeat.objects.filter(name="scheduler").first()
    return {"last_tick": beat.last_seen.isoformat() if beat else None}


def health_report() -> dict[str, Any]:
    database = database_status()
    broker = broker_status()
    report = {
        "status": "ok" if database["ok"] and broker["ok"] else "unavailable",
        "database": database,
        "broker": broker,
    }
    if database["ok"]:
        report["scheduler"] = scheduler_status()
    return report


def web_answers_healthy(base_url: str) -> bool:
    """Whether the web server at ``base_url`` says it is healthy (False while it does not listen yet)."""
    # No proxy: an http_proxy in the environment must not receive requests meant for this machine.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{base_url}/healthz", timeout=2) as response:
            return json.load(response).get("status") == "ok"
    except (OSError, ValueError):
        return False


def hub_waiting_for(*, base_url: str, since: datetime) -> str | None:
    """What of a starting hub is not up yet, in words; None once the web server is healthy and a
    scheduler tick has been run since ``since`` (which takes beat, the broker and a worker)."""
    if not web_answers_healthy(base_url):
        return "the web server (web.log)"
    try:
        ticked = ServiceHeartbeat.objects.filter(name="scheduler", last_seen__gte=since).exists()
    except DatabaseError:
        return "the database"
    return None if ticked else "a scheduler tick sent by beat and run by the worker (beat.log, worker.log)"
