from apps.delivery.services import contracts_for, executions_create
from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import subscriber


@subscriber("delivery.router")
def route(event: RecordedEvent) -> None:
    """Every event that has active contracts gets one execution per matching contract."""
    contracts = contracts_for(event.type)
    if contracts:
        executions_create(event, contracts)
