from celery import shared_task


@shared_task(bind=True, ignore_result=True, acks_late=True)
def deliver_execution_task(self, execution_id: str) -> None:
    """One try of an execution. Retries are scheduled by the service, not by raising here."""
    from apps.delivery.services import execution_attempt

    execution_attempt(execution_id=execution_id, task_id=self.request.id or "")


@shared_task(ignore_result=True)
def sweep_executions() -> None:
    from apps.delivery.services import executions_sweep

    executions_sweep()
