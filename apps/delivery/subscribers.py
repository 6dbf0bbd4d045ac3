from apps.delivery.services import ROUTER, contracts_for, executions_create
from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import subscriber


@subscriber(ROUTER, woken_by_appends=False)
def route(event: RecordedEvent) -> None:
    """Every event that has active contracts gets one execution per matching contract. The delivery
    engine runs this subscription itself as soon as it sees new events."""
    contracts = contracts_for(event.type)
    if contracts:
        executions_create(event, contracts)
