from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.echo import EchoApi
from apps.core.views import healthz
from apps.ingest.oauth import ThrottledTokenView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/echo/<path:path>", EchoApi.as_view(), name="echo"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.eventstore.urls")),
    path("api/v1/", include("apps.eventlog.urls")),  # GET and POST /events: the feed and the batch webhook
    path("api/v1/", include("apps.ingest.urls")),
    path("api/v1/", include("apps.delivery.urls")),
    path("api/v1/", include("apps.hub.urls")),
    path("api/v1/", include("apps.checks.urls")),
    path("api/v1/", include("apps.discovery.urls")),
    path("api/v1/", include("apps.landscape.urls")),
    path("api/v1/", include("apps.alerting.urls")),
    path("oauth/token/", ThrottledTokenView.as_view(), name="oauth-token"),
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
