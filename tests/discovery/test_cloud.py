import pytest

from tests.discovery.support import run


def provider_data(envelope):
    [command] = run(envelope)
    assert command.type == "UpdateProvider"
    return command.payload["provider_data"]


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_gcp_image_reads_as_missing(envelope, blank):
    gcp = envelope("web/cloud_discovery_gcp.json")
    gcp["payload"]["Metadata"]["image"] = blank
    data = provider_data(gcp)
    assert data["image"] is None
    assert data["instance_name"] == "vmhana01"


def test_blank_fields_of_the_raw_gcp_metadata_read_as_missing(envelope):
    gcp = envelope("web/cloud_discovery_gcp.json")
    gcp["payload"]["Metadata"] = {"instance": {"image": "", "name": " ", "machineType": "a/b/n1"}, "project": {}}
    data = provider_data(gcp)
    assert (data["image"], data["instance_name"], data["machine_type"]) == (None, None, "n1")


def test_blank_azure_and_aws_fields_read_as_missing(envelope):
    azure = envelope("web/cloud_discovery_azure.json")
    azure["payload"]["Metadata"]["compute"]["sku"] = ""
    assert provider_data(azure)["sku"] is None
    aws = envelope("web/cloud_discovery_aws.json")
    aws["payload"]["Metadata"]["vpc_id"] = "  "
    assert provider_data(aws)["vpc_id"] is None


def test_metadata_of_other_providers_is_kept_as_sent(envelope):
    kvm = envelope("web/cloud_discovery_kvm.json")
    kvm["payload"]["Metadata"] = {"note": ""}
    assert provider_data(kvm) == {"note": ""}
