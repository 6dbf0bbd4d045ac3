from django.apps import AppConfig


class LandscapeConfig(AppConfig):
    name = "apps.landscape"
    verbose_name = "Landscape"

    def ready(self) -> None:
        # Registers the aggregates' commands with the bus in every process (web, worker, beat).
        import apps.landscape.aggregates  # noqa: F401
