from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "apps.discovery"
    verbose_name = "Discovery"
