"""The web server's application: HTTP goes to Django once the whole request has arrived (apps/core/asgi.py),
machine endpoints' hot methods by a direct route (apps/core/machine_api.py); websockets under /ws/ go to
Channels (live updates of the admin's pages)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_http = get_wsgi_application()  # sets Django up before the imports below read settings and models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver, path  # noqa: E402

from apps.core.asgi import buffered_wsgi  # noqa: E402
from apps.core.machine_api import direct_route, loop_route  # noqa: E402
from apps.eventlog.apis import waits  # noqa: E402
from apps.live.consumers import LiveConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": buffered_wsgi(django_http, waits=waits, direct=direct_route, on_loop=loop_route),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/live/<str:topic>/", LiveConsumer.as_asgi())]))
        ),
    }
)

# Web requests skip the connection check that workers make before each task (a round trip each): a
# connection that broke fails its one request with the JSON 503 of RequestGuardMiddleware, and Django
# drops it when that request ends.
settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = False

# What is loaded now (settings, models, every view through the URLs) lives as long as the process: the
# garbage collector need not scan it again in every full collection, which a busy server runs often.
get_resolver().url_patterns  # noqa: B018
gc.freeze()
