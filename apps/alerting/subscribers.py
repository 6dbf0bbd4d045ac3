from apps.alerting import services
from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import subscriber


@subscriber("alerting.alerts", event_types=services.ALERTING_EVENTS)
def raise_alert(event: RecordedEvent) -> None:
    """Health gone critical and failed heartbeats become alerts (e-mailed in digests)."""
    services.alert_raise(event)
