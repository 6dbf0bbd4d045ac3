from django.utils import timezone

from apps.core.models import ServiceHeartbeat


def service_heartbeat_record(*, name: str) -> None:
    ServiceHeartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})
