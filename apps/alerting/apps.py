from django.apps import AppConfig


class AlertingConfig(AppConfig):
    name = "apps.alerting"
    verbose_name = "Alerts"
