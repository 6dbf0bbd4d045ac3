import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("junction")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task=None, **kwargs) -> None:
    """Reuse connections across tasks within CONN_MAX_AGE, dropping broken ones (what Django does per request).

    Not for a task run in the caller's process (``apply``): the connection is the caller's.
    """
    from django.db import close_old_connections

    if task is None or not getattr(task.request, "is_eager", False):
        close_old_connections()


def _embed_the_delivery_engine() -> None:
    from apps.delivery.worker import WORKER_OPTION, DeliveryEngineStep

    app.user_options["worker"].add(WORKER_OPTION)
    app.steps["worker"].add(DeliveryEngineStep)


_embed_the_delivery_engine()
