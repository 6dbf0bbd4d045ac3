from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "apps.hub"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from apps.hub import signals  # noqa: F401  (connects the receivers)
