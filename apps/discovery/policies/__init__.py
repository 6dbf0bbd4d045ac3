"""Scenario-detection policies: one collect envelope (plus a read-model snapshot) → landscape commands.

Usage by the ingestion side::

    check_envelope(envelope)                      # or validate_envelope() for the 422 error list
    policy = policy_for(envelope["discovery_type"])
    commands = policy(envelope, PolicyContext(...))   # raises InvalidDiscovery on unusable payloads

Policies are pure: no database, no clock, the same envelope and context give the same commands
(command ids aside). Commands carry no cause or correlation: the dispatcher sets them.
"""

from collections.abc import Callable, Mapping
from typing import Any

from apps.discovery.policies.cloud import cloud_discovery
from apps.discovery.policies.cluster import ha_cluster_discovery
from apps.discovery.policies.context import (
    ClusterSapInstance,
    KnownApplicationInstance,
    KnownDatabaseInstance,
    PolicyContext,
)
from apps.discovery.policies.envelope import (
    FieldError,
    InvalidDiscovery,
    check_envelope,
    pointer,
    validate_envelope,
)
from apps.discovery.policies.host import host_discovery
from apps.discovery.policies.sap_system import sap_system_discovery
from apps.discovery.policies.saptune import saptune_discovery
from apps.discovery.policies.subscription import subscription_discovery
from apps.eventstore.commands import Command

Policy = Callable[[Mapping[str, Any], PolicyContext], list[Command]]

POLICIES: dict[str, Policy] = {
    "host_discovery": host_discovery,
    "cloud_discovery": cloud_discovery,
    "subscription_discovery": subscription_discovery,
    "saptune_discovery": saptune_discovery,
    "ha_cluster_discovery": ha_cluster_discovery,
    "sap_system_discovery": sap_system_discovery,
}


def policy_for(discovery_type: str) -> Policy:
    """The policy of ``discovery_type``; raises ``InvalidDiscovery`` for a type no policy handles."""
    try:
        return POLICIES[discovery_type]
    except KeyError:
        raise InvalidDiscovery(
            [FieldError(pointer("discovery_type"), f"unknown discovery type {discovery_type!r}")]
        ) from None


__all__ = [
    "POLICIES",
    "ClusterSapInstance",
    "FieldError",
    "InvalidDiscovery",
    "KnownApplicationInstance",
    "KnownDatabaseInstance",
    "Policy",
    "PolicyContext",
    "check_envelope",
    "policy_for",
    "validate_envelope",
]
