from django.urls import path

from apps.discovery.apis import CollectApi, CollectPreviewApi, HeartbeatApi

urlpatterns = [
    path("collect", CollectApi.as_view(), name="discovery-collect"),
    path("collect/preview", CollectPreviewApi.as_view(), name="discovery-collect-preview"),
    path("hosts/<uuid:agent_id>/heartbeat", HeartbeatApi.as_view(), name="host-heartbeat"),
]
