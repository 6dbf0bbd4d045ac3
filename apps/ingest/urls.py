from django.urls import path

from apps.ingest.apis import EventBatchReceiveApi, EventReceiveApi

urlpatterns = [
    path("events", EventBatchReceiveApi.as_view(), name="events-receive-batch"),
    path("events/<str:identifier>", EventReceiveApi.as_view(), name="events-receive"),
]
