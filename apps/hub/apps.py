from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "apps.hub"
    verbose_name = "Integration hub"
