from celery import shared_task


@shared_task(ignore_result=True)
def process_discovery_task(discovery_id: int) -> None:
    from apps.discovery.services import discovery_process

    discovery_process(discovery_id=discovery_id)


@shared_task(ignore_result=True)
def sweep_discoveries_task() -> None:
    from apps.discovery.services import discoveries_sweep

    discoveries_sweep()


@shared_task(ignore_result=True)
def prune_discoveries_task() -> None:
    from apps.discovery.services import discoveries_prune

    discoveries_prune()
