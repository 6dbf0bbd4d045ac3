from celery import shared_task


@shared_task(ignore_result=True)
def send_alerts_task() -> None:
    """Sent a few seconds after an alert is raised (a digest of all raised meanwhile), and by beat for retries."""
    from apps.alerting.services import alerts_send

    alerts_send()
