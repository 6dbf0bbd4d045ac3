from django.apps import AppConfig


class EventLogConfig(AppConfig):
    name = "apps.eventlog"
    verbose_name = "Event log"

    def ready(self) -> None:
        # The forwarder to a log platform exists only when one is configured.
        from apps.eventlog import forwarding

        forwarding.register_from_settings()
