"""Keep the caches of API keys and event types in step with the keys, event types and systems, however
they change."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.hub.models import ApiKey, EventType, System
from apps.hub.services import api_keys_forget, event_types_forget


@receiver([post_save, post_delete], sender=ApiKey, dispatch_uid="hub.api_key_changed")
def api_key_changed(sender: type[ApiKey], instance: ApiKey, **kwargs: Any) -> None:
    api_keys_forget(key_hashes=[instance.key_hash])


@receiver([post_save, post_delete], sender=System, dispatch_uid="hub.system_changed")
def system_changed(sender: type[System], instance: System, **kwargs: Any) -> None:
    """Cached keys and event types carry their system: an edited, deleted or restored system must be read again."""
    api_keys_forget(key_hashes=list(ApiKey.objects.filter(system_id=instance.pk).values_list("key_hash", flat=True)))
    event_types_forget()


@receiver([post_save, post_delete], sender=EventType, dispatch_uid="hub.event_type_changed")
def event_type_changed(sender: type[EventType], instance: EventType, **kwargs: Any) -> None:
    event_types_forget()
