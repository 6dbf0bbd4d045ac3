"""Software updates health (spec §4.1): what SUSE Multi-Linux Manager's relevant patches for a host say.

The connector that asks SUSE Multi-Linux Manager (by the host's fully qualified domain name) is not
part of the landscape: it answers SoftwareUpdatesDiscoveryRequested by sending
CompleteSoftwareUpdatesDiscovery with ``health_of`` its relevant patches, or with unknown when the
lookup failed.
"""

from collections.abc import Iterable
from typing import Any

from apps.landscape.aggregates.health import CRITICAL, PASSING, WARNING

SECURITY_ADVISORY, BUGFIX, ENHANCEMENT = "security_advisory", "bugfix", "enhancement"


def health_of(relevant_patches: Iterable[dict[str, Any]]) -> str:
    """Critical with a security advisory, warning with only bug fixes or enhancements, passing with none."""
    types = {patch.get("advisory_type") for patch in relevant_patches}
    if SECURITY_ADVISORY in types:
        return CRITICAL
    return WARNING if types & {BUGFIX, ENHANCEMENT} else PASSING
