"""The demo admin login and the demo configuration that the one-command start sets up."""

import re
import secrets
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model

from apps.hub.models import ApiKey, EventType
from apps.hub.sending import how_to_send
from apps.hub.services import API_KEY_PREFIX, api_key_hash

DEMO_USERNAME = "admin"
#: Made by apps/hub/demo.py: the web shop's event, and an order its schema accepts.
DEMO_EVENT_TYPE = "web_shop.order_placed"
DEMO_ORDER = {"order": {"id": 1}, "customer": {"email": "ada@example.com"}}
KEY_IN_TEXT = re.compile(rf"{re.escape(API_KEY_PREFIX)}[\w-]+")


@dataclass(frozen=True)
class Demo:
    api_key: str | None
    send_command: str | None
    news: list[str]  # what else the apps' demos have to say


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


def demo_load(*, base_url: str) -> Demo:
    """Load every app's demo; the demo key and a curl sending the demo event with it, and the other news."""
    news = demo_configuration_load(base_url=base_url)
    key = demo_api_key_keep(news)
    return Demo(
        api_key=key,
        send_command=demo_send_command(base_url=base_url, key=key),
        news=[line for line in news if not KEY_IN_TEXT.search(line)],
    )


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


def demo_api_key_keep(news: list[str]) -> str | None:
    """The demo's API key, kept beside the demo password so that every start can show it.

    The hub's demo creates the key once and shows it in its news (the database keeps only a hash).
    None if it is not known (made before keys were kept) or no longer works (revoked, system deleted).
    """
    key_file = settings.DATA_DIR / "demo_api_key"
    shown = next((match.group() for line in news if (match := KEY_IN_TEXT.search(line))), None)
    if shown:
        key_file.touch(mode=0o600)
        key_file.write_text(shown)
    key = shown or (key_file.read_text().strip() if key_file.exists() else "")
    works = ApiKey.objects.filter(key_hash=api_key_hash(key), revoked_at__isnull=True, system__deleted_at__isnull=True)
    return key if key and works.exists() else None


def demo_send_command(*, base_url: str, key: str | None) -> str | None:
    """A ready-to-paste curl sending the demo event (with a placeholder for an unknown key); None if the
    demo's event type was deleted."""
    event_type = EventType.objects.select_related("system").filter(identifier=DEMO_EVENT_TYPE).first()
    if event_type is None:
        return None
    how = how_to_send(
        base_url=base_url, system=event_type.system, event_type=event_type, key=key or "", example=DEMO_ORDER
    )
    return how.curl
