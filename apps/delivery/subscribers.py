from apps.delivery.services import ROUTER, executions_route
from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import subscriber


@subscriber(ROUTER, woken_by_appends=False, batches=True)
def route(events: list[RecordedEvent]) -> None:
    """Every event that has active contracts gets one execution per matching contract. The delivery
    engine runs this subscription itself as soon as it sees new events."""
    executions_route(events)
