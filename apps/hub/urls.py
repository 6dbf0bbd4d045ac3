from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.hub.apis import (
    ActionViewSet,
    ApiKeyRevokeApi,
    ContractViewSet,
    EventTypeViewSet,
    SystemApiKeysApi,
    SystemOAuthClientCreateApi,
    SystemViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register("systems", SystemViewSet, basename="system")
# Not "events": POST events/<identifier> is where producers send events (apps.ingest).
router.register("event-types", EventTypeViewSet, basename="event-type")
router.register("actions", ActionViewSet, basename="action")
router.register("contracts", ContractViewSet, basename="contract")

urlpatterns = [
    path("systems/<str:identifier>/api-keys", SystemApiKeysApi.as_view(), name="system-api-keys"),
    path(
        "systems/<str:identifier>/api-keys/<int:key_id>/revoke", ApiKeyRevokeApi.as_view(), name="system-api-key-revoke"
    ),
    path("systems/<str:identifier>/oauth-client", SystemOAuthClientCreateApi.as_view(), name="system-oauth-client"),
    *router.urls,
]
