from celery import shared_task


@shared_task
def record_scheduler_tick() -> None:
    """Beat sends this every few seconds; a worker running it proves beat, broker and worker work."""
    from apps.core.services import service_heartbeat_record

    service_heartbeat_record(name="scheduler")
