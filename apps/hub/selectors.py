from django.db.models import QuerySet

from apps.hub.models import BUILTIN_SYSTEMS, Action, ApiKey, Contract, EventType, System


def own_systems() -> QuerySet:
    """The systems people registered (not Junction's built-in ones)."""
    return System.objects.exclude(identifier__in=BUILTIN_SYSTEMS)


def setup_progress() -> dict[str, bool]:
    """How far people got in wiring their first integration, step by step."""
    own = own_systems()
    return {
        "producer": own.filter(role__in=[System.Role.PRODUCER, System.Role.BOTH]).exists(),
        "event": EventType.objects.filter(system__in=own).exists(),
        "key": ApiKey.objects.filter(system__in=own, revoked_at__isnull=True).exists(),
        "subscriber_action": Action.objects.filter(system__in=own).exists(),
        "contract": Contract.objects.filter(event_type__system__in=own).exists(),
    }
