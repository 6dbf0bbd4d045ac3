from django.urls import path

from apps.ingest.apis import EventReceiveApi

urlpatterns = [
    path("events/<str:identifier>", EventReceiveApi.as_view(), name="events-receive"),
]
