"""cloud_discovery, subscription_discovery and saptune_discovery: the other Host commands."""

import json

import pytest

from apps.discovery.policies import InvalidDiscovery, PolicyContext
from tests.discovery.support import fixtures_root, run


def update_provider(envelope):
    [command] = run(envelope)
    assert command.type == "UpdateProvider"
    return command.payload["provider"], command.payload["provider_data"]


def test_azure_metadata_is_reduced_to_the_vm_facts(envelope):
    assert update_provider(envelope("web/cloud_discovery_azure.json")) == (
        "azure",
        {
            "vm_name": "vmhdbdev01",
            "resource_group": "resourceGroupName",
            "location": "westeurope",
            "vm_size": "Standard_E4s_v3",
            "data_disk_number": 7,
            "offer": "sles-sap-15-sp3-byos",
            "sku": "gen2",
            "admin_username": "cloudadmin",
        },
    )
    assert update_provider(envelope("agent/azure/expected_published_cloud_discovery.json"))[1]["data_disk_number"] == 2


def test_aws_metadata_keeps_the_instance_facts(envelope):
    assert update_provider(envelope("web/cloud_discovery_aws.json")) == (
        "aws",
        {
            "account_id": "12345",
            "ami_id": "ami-12345",
            "availability_zone": "eu-west-1a",
            "data_disk_number": 1,
            "instance_id": "i-12345",
            "instance_type": "t3.micro",
            "region": "eu-west-1",
            "vpc_id": "vpc-12345",
        },
    )


def test_raw_aws_instance_metadata_normalises_to_the_same_fields(envelope):
    provider, data = update_provider(
        envelope("agent/aws/collector_payloads/expected_published_cloud_discovery_with_metadata.json")
    )
    assert provider == "aws"
    assert data == {
        "account_id": None,  # blank in the payload
        "ami_id": "ami-123456",
        "availability_zone": "us-west-2a",
        "data_disk_number": 1,
        "instance_id": "i-123456",
        "instance_type": "t2.micro",
        "region": "us-west-2",
        "vpc_id": None,
    }
    assert update_provider(
        envelope("agent/aws/collector_payloads/expected_published_cloud_discovery_without_metadata.json")
    ) == ("aws", None)


def test_gcp_metadata_and_raw_gcp_instance_metadata_normalise_alike(envelope, shared_dir):
    expected = {
        "disk_number": 4,
        "image": "sles-15-sp1-sap-byos-v20220126",
        "instance_name": "vmhana01",
        "machine_type": "n1-highmem-8",
        "network": "network",
        "project_id": "123456",
        "zone": "europe-west1-b",
    }
    assert update_provider(envelope("web/cloud_discovery_gcp.json")) == ("gcp", expected)
    raw = json.loads((fixtures_root(shared_dir) / "agent/gcp/gcp_metadata.json").read_text())
    gcp = envelope("web/cloud_discovery_gcp.json")
    gcp["payload"]["Metadata"] = raw
    assert update_provider(gcp) == ("gcp", {**expected, "project_id": "some-project-id"})


@pytest.mark.parametrize("provider", ["kvm", "vmware", "nutanix"])
def test_other_providers_keep_their_metadata_raw(envelope, provider):
    assert update_provider(envelope(f"web/cloud_discovery_{provider}.json")) == (provider, None)
    on_premise = envelope(f"web/cloud_discovery_{provider}.json")
    on_premise["payload"]["Metadata"] = {"anything": 1}
    assert update_provider(on_premise) == (provider, {"anything": 1})


def test_a_missing_provider_is_unknown(envelope):
    assert update_provider(envelope("web/cloud_discovery_unknown.json")) == ("unknown", None)
    null = envelope("web/cloud_discovery_unknown.json")
    null["payload"] = None
    assert update_provider(null) == ("unknown", None)


def test_subscriptions_are_tagged_with_the_host(envelope):
    [command] = run(envelope("web/subscriptions_discovery.json"))
    assert command.type == "UpdateSlesSubscriptions"
    host = "0fc07435-7ee2-54ca-b0de-fb27ffdc5deb"
    assert command.stream_id == f"host-{host}"
    subscriptions = command.payload["subscriptions"]
    assert len(subscriptions) == 7
    assert subscriptions[0] == {
        "host_id": host,
        "identifier": "SLES_SAP",
        "version": "15.3",
        "arch": "x86_64",
        "status": "Registered",
        "subscription_status": "ACTIVE",
        "type": "internal",
        "starts_at": "2021-10-18 06:23:46 UTC",
        "expires_at": "2026-10-18 06:23:46 UTC",
    }
    assert subscriptions[1]["starts_at"] is None
    assert {s["host_id"] for s in subscriptions} == {host}


def update_saptune(envelope, sap_running):
    [command] = run(envelope, PolicyContext(sap_running=sap_running))
    assert command.type == "UpdateSaptuneStatus"
    return command.payload


def test_saptune_status_is_reshaped(envelope):
    payload = update_saptune(envelope("web/saptune_discovery.json"), sap_running=True)
    assert (payload["saptune_installed"], payload["package_version"], payload["sap_running"]) == (True, "3.1.0", True)
    status = payload["status"]
    assert status["tuning_state"] == "not compliant"
    assert status["configured_version"] == "3"
    assert status["services"] == [
        {"name": "sapconf", "enabled": None, "active": None},
        {"name": "saptune", "enabled": "enabled", "active": "active"},
        {"name": "tuned", "enabled": None, "active": None},
    ]
    assert status["enabled_notes"][:3] == [
        {"id": "941735", "additionally_enabled": True},
        {"id": "1771258", "additionally_enabled": True},
        {"id": "2578899", "additionally_enabled": False},
    ]
    notes = ["941735", "1771258", "2578899", "2993054", "1656250", "900929"]
    assert status["enabled_solution"] == {"id": "NETWEAVER", "notes": notes, "partial": False}
    assert status["applied_solution"] == {"id": "NETWEAVER", "notes": notes, "partial": False}
    assert status["staging"] == {"enabled": False, "notes": [], "solutions_ids": []}


def test_saptune_without_a_solution(envelope):
    status = update_saptune(envelope("web/saptune_discovery_not_configured.json"), sap_running=False)["status"]
    assert (status["tuning_state"], status["enabled_solution"], status["applied_solution"]) == ("not tuned", None, None)
    assert status["enabled_notes"] == status["applied_notes"] == []


def test_saptune_status_with_only_an_applied_solution(envelope, shared_dir):
    # The agent's own test output carries nothing but "Solution applied".
    saptune = envelope("web/saptune_discovery.json")
    raw = (fixtures_root(shared_dir) / "agent/saptune/applied_hana_solution.json").read_text()
    saptune["payload"]["status"] = json.loads(raw)
    status = update_saptune(saptune, sap_running=True)["status"]
    assert status["applied_solution"] == {"id": "HANA", "notes": [], "partial": False}
    assert status["enabled_solution"] is None
    assert status["services"] == status["enabled_notes"] == []


def test_saptune_without_status_and_with_a_broken_status(envelope):
    assert update_saptune(envelope("web/saptune_discovery_empty_status.json"), sap_running=True)["status"] is None
    with pytest.raises(InvalidDiscovery) as rejected:
        run(envelope("web/saptune_discovery_empty_result.json"))
    assert rejected.value.errors[0].path == "/payload/status/result"
