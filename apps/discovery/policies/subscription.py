"""subscription_discovery → UpdateSlesSubscriptions, each subscription tagged with the host id."""

from collections.abc import Mapping
from typing import Any

from apps.discovery.policies._payload import expect
from apps.discovery.policies.context import PolicyContext
from apps.eventstore.commands import Command
from apps.landscape.commands import build, host_id

SUBSCRIPTION_FIELDS = (
    "identifier",
    "version",
    "arch",
    "status",
    "subscription_status",
    "type",
    "starts_at",
    "expires_at",
)


def subscription_discovery(envelope: Mapping[str, Any], context: PolicyContext) -> list[Command]:
    host = host_id(envelope["agent_id"])
    subscriptions = expect(envelope["payload"], list, "payload", what="an array")
    for position, subscription in enumerate(subscriptions):
        expect(subscription.get("identifier"), str, "payload", position, "identifier", what="a string")
    return [
        build(
            "UpdateSlesSubscriptions",
            {
                "host_id": host,
                "subscriptions": [
                    {"host_id": host, **{field: subscription.get(field) for field in SUBSCRIPTION_FIELDS}}
                    for subscription in subscriptions
                ],
            },
        )
    ]
