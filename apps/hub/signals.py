"""Keep the API-key authentication cache in step with the keys and their systems, however they change."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.hub.models import ApiKey, System
from apps.hub.services import api_keys_forget


@receiver([post_save, post_delete], sender=ApiKey, dispatch_uid="hub.api_key_changed")
def api_key_changed(sender: type[ApiKey], instance: ApiKey, **kwargs: Any) -> None:
    api_keys_forget(key_hashes=[instance.key_hash])


@receiver([post_save, post_delete], sender=System, dispatch_uid="hub.system_changed")
def system_changed(sender: type[System], instance: System, **kwargs: Any) -> None:
    """A cached key carries its system: an edited, deleted or restored system must be read again."""
    api_keys_forget(key_hashes=list(ApiKey.objects.filter(system_id=instance.pk).values_list("key_hash", flat=True)))
