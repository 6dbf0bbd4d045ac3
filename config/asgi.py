"""The web server's application: Django behind a server that reads whole requests before they take a thread."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from apps.core.asgi import buffered_wsgi  # after the settings module is chosen

application = buffered_wsgi(get_wsgi_application())
