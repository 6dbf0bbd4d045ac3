from django.http import HttpRequest, JsonResponse

from apps.core.health import health_report


def healthz(request: HttpRequest) -> JsonResponse:
    """Up or down for anyone (load balancers, monitors); the details (errors, versions, the scheduler's
    last tick) only for staff, since error strings can tell an outsider how the hub is built."""
    report = health_report()
    status = 200 if report["status"] == "ok" else 503
    if not request.user.is_staff:
        report = {
            "status": report["status"],
            **{part: {"ok": report[part]["ok"]} for part in ("database", "broker")},
        }
    return JsonResponse(report, status=status)
