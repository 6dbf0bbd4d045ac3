from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def complete_execution_task(execution_id: str) -> None:
    """Sent when the last agent answered and, with a countdown, at the execution's timeout."""
    from apps.checks.services import execution_complete

    execution_complete(execution_id=execution_id)


@shared_task(ignore_result=True)
def sweep_executions() -> None:
    """Beat: completes timed-out executions whose countdown message was lost."""
    from apps.checks.services import executions_sweep

    executions_sweep()


@shared_task(ignore_result=True)
def run_schedules() -> None:
    """Beat: starts the scheduled selections of checks that are due."""
    from apps.checks.services import schedules_run

    schedules_run()
