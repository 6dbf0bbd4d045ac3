import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the web server: uvicorn processes reading whole requests on an event loop, Django on "
        "WEB_THREADS threads each (see apps/core/asgi.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="Web processes.")

    def handle(self, *args, host, port, workers, **options):
        self.stdout.write(f"Web server on http://{host}:{port}: {workers} processes x {settings.WEB_THREADS} threads")
        uvicorn.run(
            "config.asgi:application",
            host=host,
            port=port,
            workers=workers,
            lifespan="off",
            access_log=False,  # apps.core.asgi logs each request without its query string (API keys)
            server_header=False,
            # REMOTE_ADDR stays the peer's address, as under gunicorn: throttles count failures by it, and a
            # client must not choose it with X-Forwarded-For. (SECURE_PROXY_SSL_HEADER reads the scheme.)
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
