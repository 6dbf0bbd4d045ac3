"""The demo admin login and the demo configuration that the one-command start sets up."""

import secrets
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model

DEMO_USERNAME = "admin"


def demo_admin_ensure() -> tuple[str, str]:
    """Create the demo superuser once; its password is generated and kept in the data folder."""
    password_file = settings.DATA_DIR / "demo_admin_password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(12))
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return DEMO_USERNAME, password


def demo_configuration_load(*, base_url: str) -> list[str]:
    """Call ``load_demo(base_url=...)`` of every app that has a ``demo`` module (each idempotent); return news."""
    news = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("apps.") or app_config.name == "apps.core":
            continue
        try:
            module = import_module(f"{app_config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.demo":
                raise
            continue
        news += module.load_demo(base_url=base_url)
    return news
