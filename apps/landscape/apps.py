from django.apps import AppConfig


class LandscapeConfig(AppConfig):
    name = "apps.landscape"
    verbose_name = "Landscape"

    def ready(self) -> None:
        # Registers the aggregates' commands with the bus in every process (web, worker, beat).
        # And the commands outside systems may send over REST, and the upcasters of older events.
        import apps.landscape.aggregates
        import apps.landscape.public_commands
        import apps.landscape.upcasters  # noqa: F401
