from django.urls import path

from apps.alerting import apis

urlpatterns = [
    path("settings/alerting", apis.AlertingSettingsApi.as_view(), name="alerting-settings"),
    path("settings/alerting/test", apis.AlertingTestApi.as_view(), name="alerting-settings-test"),
]
