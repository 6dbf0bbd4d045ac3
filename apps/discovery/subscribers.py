from apps.discovery.models import LastDiscovery
from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import subscriber


@subscriber("discovery.forget_last_seen", event_types=["HeartbeatFailed", "HostDeregistered"])
def forget_last_seen(event: RecordedEvent) -> None:
    """A host that stopped beating or was removed re-asserts everything with its next discoveries
    (bringing its data back in sync, or restoring it), even if they are identical to the last ones."""
    LastDiscovery.objects.filter(agent_id=event.data["host_id"]).delete()
