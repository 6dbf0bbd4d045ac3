"""Reachability of what the hub stands on: the database, the broker and the scheduler."""

from typing import Any

from django.db import connection

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
