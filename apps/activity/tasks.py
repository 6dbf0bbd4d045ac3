from celery import shared_task


@shared_task(ignore_result=True)
def prune_activity_task() -> None:
    """Beat, daily: forget the command records older than ACTIVITY_LOG_RETENTION_DAYS."""
    from apps.activity.services import activity_prune

    activity_prune()
