from celery import shared_task


@shared_task(ignore_result=True)
def check_heartbeats_task() -> None:
    """Beat runs this every few seconds: hosts whose heartbeat expired become critical."""
    from apps.landscape.services import heartbeats_check

    heartbeats_check()
