import pytest

from apps.discovery.policies import InvalidDiscovery
from tests.discovery.support import run


def register_host(envelope):
    [command] = run(envelope)
    assert command.type == "RegisterHost"
    assert command.stream_id == "host-779cdd70-e9e2-58ca-b18a-bf3eb3f71244"
    return command.payload


def test_ips_carry_their_netmask_by_position(envelope):
    payload = register_host(envelope("web/host_discovery.json"))
    assert payload["ip_addresses"] == ["10.1.1.4/16", "10.1.1.5/24", "10.1.1.6/32"]
    assert payload["netmasks"] == [16, 24, 32]


def test_loopback_and_non_ipv4_addresses_are_dropped_with_their_netmask(envelope):
    host = envelope("web/host_discovery.json")
    host["payload"]["ip_addresses"] = ["127.0.0.1", "10.1.1.4", "::1", "fe80::1", "127.0.1.1", "192.168.0.9", "bogus"]
    host["payload"]["netmasks"] = [8, 16, 128, 64, 8, 24, 0]
    assert register_host(host)["ip_addresses"] == ["10.1.1.4/16", "192.168.0.9/24"]


def test_without_netmasks_ips_stay_bare(envelope):
    host = envelope("web/host_discovery.json")
    del host["payload"]["netmasks"]
    host["payload"]["ip_addresses"].append("127.0.0.1")
    assert register_host(host)["ip_addresses"] == ["10.1.1.4", "10.1.1.5", "10.1.1.6"]


def test_netmasks_that_do_not_pair_with_the_ips_are_rejected(envelope):
    host = envelope("web/host_discovery.json")
    host["payload"]["netmasks"] = [16]
    with pytest.raises(InvalidDiscovery) as rejected:
        run(host)
    assert rejected.value.errors[0].path == "/payload/netmasks"


def test_optional_fields_get_their_defaults(envelope):
    payload = register_host(envelope("web/host_discovery_without_arch.json"))
    assert (payload["arch"], payload["installation_source"], payload["prometheus_mode"]) == (
        "unknown",
        "unknown",
        "pull",
    )
    assert payload["prometheus_targets"] is None
    assert payload["last_boot_timestamp"] is None
    assert payload["systemd_units"] == []


def test_agent_values_are_normalised(envelope):
    assert (
        register_host(envelope("web/host_discovery_with_installation_source.json"))["installation_source"]
        == "community"
    )
    push = register_host(envelope("web/host_discovery_with_prometheus_mode_push.json"))
    assert push["prometheus_mode"] == "push"
    assert push["prometheus_targets"] == {"prometheus_url": "http://10.1.1.4:9090"}
    boot = register_host(envelope("web/host_discovery_with_last_boot_timestamp.json"))
    assert boot["last_boot_timestamp"] == "2024-06-10T12:34:56+00:00"


@pytest.mark.parametrize(
    ("fixture", "path"),
    [
        ("web/host_discovery_with_prometheus_mode_invalid.json", "/payload/prometheus_mode"),
        ("web/host_discovery_with_last_boot_timestamp_wrong.json", "/payload/last_boot_timestamp"),
    ],
)
def test_invalid_values_dead_letter_the_discovery(envelope, fixture, path):
    with pytest.raises(InvalidDiscovery) as rejected:
        run(envelope(fixture))
    assert [e.path for e in rejected.value.errors] == [path]


def test_a_missing_required_field_is_rejected(envelope):
    host = envelope("web/host_discovery.json")
    del host["payload"]["hostname"]
    with pytest.raises(InvalidDiscovery) as rejected:
        run(host)
    assert rejected.value.errors[0].path == "/payload/hostname"
