from django.urls import path

from apps.eventlog.apis import CommandsApi, EventLogApi

urlpatterns = [
    path("events", EventLogApi.as_view(), name="events"),
    path("commands", CommandsApi.as_view(), name="commands"),
]
