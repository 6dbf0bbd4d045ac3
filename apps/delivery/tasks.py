from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def run_replay_job_task(job_id: int) -> None:
    """Replay the executions of a job (resumable: it carries on from where it got to)."""
    from apps.delivery.services import replay_job_run

    replay_job_run(job_id)


@shared_task(ignore_result=True)
def resume_replay_jobs_task() -> None:
    from apps.delivery.services import replay_jobs_resume

    replay_jobs_resume()
