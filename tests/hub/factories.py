"""Small builders of configuration for tests."""

from apps.hub.models import Action, Contract, EventType, System
from apps.hub.services import api_key_create


def system(name="CRM", role=System.Role.BOTH, **kwargs) -> System:
    return System.objects.create(name=name, role=role, kind=kwargs.pop("kind", "CRM"), **kwargs)


def event_type(producer: System, name="customer created", **kwargs) -> EventType:
    return EventType.objects.create(system=producer, name=name, **kwargs)


def action(subscriber: System, name="create account", url="http://127.0.0.1:9/accounts", **kwargs) -> Action:
    return Action.objects.create(system=subscriber, name=name, url=url, **kwargs)


def contract(event: EventType, act: Action, name=None, **kwargs) -> Contract:
    return Contract.objects.create(event_type=event, action=act, name=name or f"{event.name} → {act.name}", **kwargs)


def producer_with_key(name="CRM"):
    producer = system(name)
    _, key = api_key_create(system=producer, name="test")
    return producer, key
