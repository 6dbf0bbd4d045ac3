from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventstoreConfig(AppConfig):
    name = "apps.eventstore"
    verbose_name = "Event store"

    def ready(self) -> None:
        # Each app declares its read-side handlers in a `subscribers` module.
        autodiscover_modules("subscribers")
