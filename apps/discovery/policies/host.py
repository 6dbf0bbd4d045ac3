"""host_discovery → RegisterHost (always exactly one)."""

import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from apps.discovery.policies._payload import expect, fail, items
from apps.discovery.policies.context import PolicyContext
from apps.eventstore.commands import Command
from apps.landscape.commands import build, host_id

_REQUIRED = {
    "hostname": (str, "a string"),
    "agent_version": (str, "a string"),
    "os_version": (str, "a string"),
    "cpu_count": (int, "an integer"),
    "socket_count": (int, "an integer"),
    "total_memory_mb": (int, "an integer"),
}
PROMETHEUS_MODES = ("pull", "push")
INSTALLATION_SOURCES = ("community", "suse", "unknown")


def host_discovery(envelope: Mapping[str, Any], context: PolicyContext) -> list[Command]:
    payload = expect(envelope["payload"], Mapping, "payload", what="an object")
    for field, (kind, what) in _REQUIRED.items():
        expect(payload.get(field), kind, "payload", field, what=what)
    return [
        build(
            "RegisterHost",
            {
                "host_id": host_id(envelope["agent_id"]),
                "hostname": payload["hostname"],
                "ip_addresses": ip_addresses(payload),
                "netmasks": payload.get("netmasks"),
                "agent_version": payload["agent_version"],
                "cpu_count": payload["cpu_count"],
                "socket_count": payload["socket_count"],
                "total_memory_mb": payload["total_memory_mb"],
                "os_version": payload["os_version"],
                "arch": (payload.get("arch") or "unknown").lower(),
                "fully_qualified_domain_name": payload.get("fully_qualified_domain_name") or None,
                "installation_source": _installation_source(payload.get("installation_source")),
                "prometheus_targets": payload.get("prometheus_targets") or None,
                "prometheus_mode": _prometheus_mode(payload.get("prometheus_mode")),
                "systemd_units": [
                    {"name": unit.get("name"), "unit_file_state": unit.get("unit_file_state")}
                    for unit in items(payload.get("systemd_units"))
                    if isinstance(unit, Mapping)
                ],
                "last_boot_timestamp": _last_boot(payload.get("last_boot_timestamp")),
            },
        )
    ]


def ip_addresses(payload: Mapping[str, Any]) -> list[str]:
    """Non-loopback IPv4 addresses, as "a.b.c.d/nn" when the agent sent netmasks (paired by position)."""
    addresses = expect(payload.get("ip_addresses"), list, "payload", "ip_addresses", what="an array")
    netmasks = payload.get("netmasks")
    if netmasks is not None:
        expect(netmasks, list, "payload", "netmasks", what="an array or null")
        if len(netmasks) != len(addresses):
            raise fail(f"has {len(netmasks)} entries for {len(addresses)} ip_addresses", "payload", "netmasks")
    result = []
    for position, address in enumerate(addresses):
        if not _is_reportable_ipv4(address):
            continue
        result.append(address if netmasks is None else f"{address}/{netmasks[position]}")
    return result


def _is_reportable_ipv4(address: Any) -> bool:
    try:
        parsed = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not parsed.is_loopback


def _installation_source(value: Any) -> str:
    source = str(value).lower() if value else "unknown"
    if source not in INSTALLATION_SOURCES:
        raise fail(f"must be one of {', '.join(INSTALLATION_SOURCES)}", "payload", "installation_source")
    return source


def _prometheus_mode(value: Any) -> str:
    """Agents older than the push mode send nothing: they are scraped (pull)."""
    if value is None:
        return "pull"
    if value not in PROMETHEUS_MODES:
        raise fail(f"must be one of {', '.join(PROMETHEUS_MODES)}", "payload", "prometheus_mode")
    return value


def _last_boot(value: Any) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise fail("must be an ISO 8601 timestamp", "payload", "last_boot_timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
