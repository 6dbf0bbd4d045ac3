from celery import shared_task


@shared_task(ignore_result=True)
def check_heartbeats_task() -> None:
    """Beat runs this every few seconds: hosts whose heartbeat expired become critical."""
    from apps.landscape.services import heartbeats_check

    heartbeats_check()


@shared_task(ignore_result=True)
def request_checks_executions_task() -> None:
    """Beat, every CHECKS_INTERVAL: run the selected checks of every checkable cluster and host."""
    from apps.landscape.checks import executions_request_all

    executions_request_all()
