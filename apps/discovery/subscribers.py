from apps.discovery import services
from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import subscriber
from apps.landscape.subscribers import ensure_projected


@subscriber("discovery.forget_last_seen", event_types=services.REASSERT_AFTER | services.CONTEXT_CHANGES)
def forget_last_seen(event: RecordedEvent) -> None:
    """Once the read models show the change (the next comparison must see it), forget what it outdates."""
    ensure_projected(event)
    services.last_seen_forget(event=event)
