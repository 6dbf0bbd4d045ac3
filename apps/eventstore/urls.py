from django.urls import path

from apps.eventstore.apis import CausalTreeApi, StreamEventsApi

urlpatterns = [
    path("streams/<path:stream_id>/events", StreamEventsApi.as_view(), name="stream-events"),
    path("correlations/<uuid:correlation_id>/tree", CausalTreeApi.as_view(), name="correlation-tree"),
]
