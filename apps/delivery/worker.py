"""The delivery engine inside every Celery worker, as Celery embeds beat (``worker -B``).

``celery -A config worker`` then delivers with hundreds of requests in flight beside its pool of
processes, with nothing more to configure. ``--without-delivery`` starts a worker without it
(``DELIVERY_ENGINE=false`` does so for every worker).
"""

import asyncio
import logging
import threading

from celery import bootsteps
from click import Option

logger = logging.getLogger(__name__)

WORKER_OPTION = Option(
    ("--without-delivery",), is_flag=True, default=False, help="Do not run the delivery engine in this worker."
)


class EngineThread(threading.Thread):
    """Runs ``Engine.run`` on an event loop of its own until ``stop``."""

    def __init__(self) -> None:
        super().__init__(name="delivery-engine", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        from apps.delivery.engine import Engine

        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        self._started.set()
        logger.info("Delivery engine started")
        await Engine().run(self._stopping)
        logger.info("Delivery engine stopped")

    def stop(self) -> None:
        """Stop claiming, let the requests in flight finish within the grace, record them."""
        from django.conf import settings

        if self._started.wait(timeout=5) and self._loop is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self.join(timeout=settings.DELIVERY_SHUTDOWN_GRACE_SECONDS + 5)


class DeliveryEngineStep(bootsteps.StartStopStep):
    """Starts once the pool has forked its processes, so none of them inherits the engine's thread."""

    label = "Delivery engine"
    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker, without_delivery: bool = False, **kwargs) -> None:
        from django.conf import settings

        self.enabled = settings.DELIVERY_ENGINE and not without_delivery
        super().__init__(worker, **kwargs)

    def create(self, worker) -> EngineThread:
        return EngineThread()
