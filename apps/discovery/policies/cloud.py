"""cloud_discovery → UpdateProvider with provider metadata normalised per cloud.

Agents have published two shapes over time: the metadata already reduced to the fields below, and the
raw instance-metadata (IMDS) document. Both normalise to the same provider_data.
"""

from collections.abc import Mapping
from typing import Any

from apps.discovery.policies._payload import dig, items
from apps.discovery.policies.context import PolicyContext
from apps.eventstore.commands import Command
from apps.landscape.commands import build, host_id

PROVIDERS = ("azure", "aws", "gcp", "kvm", "vmware", "nutanix")


def cloud_discovery(envelope: Mapping[str, Any], context: PolicyContext) -> list[Command]:
    payload = envelope["payload"] if isinstance(envelope["payload"], Mapping) else {}
    provider = str(payload.get("Provider") or "").lower()
    metadata = payload.get("Metadata")
    if provider not in PROVIDERS:
        provider, provider_data = "unknown", None
    elif provider in _NORMALISERS:
        provider_data = _without_blanks(_NORMALISERS[provider](metadata))
    else:
        provider_data = metadata
    return [
        build(
            "UpdateProvider",
            {"host_id": host_id(envelope["agent_id"]), "provider": provider, "provider_data": provider_data},
        )
    ]


def _without_blanks(provider_data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A blank or whitespace-only string in the known fields reads as missing (null), as upstream casts it."""
    if provider_data is None:
        return None
    return {
        key: None if isinstance(value, str) and not value.strip() else value for key, value in provider_data.items()
    }


def _azure(metadata: Any) -> dict[str, Any] | None:
    compute = dig(metadata, "compute")
    if not isinstance(compute, Mapping):
        return None
    return {
        "vm_name": compute.get("name"),
        "resource_group": compute.get("resourceGroupName"),
        "location": compute.get("location"),
        "vm_size": compute.get("vmSize"),
        "data_disk_number": len(items(dig(compute, "storageProfile", "dataDisks"))),
        "offer": compute.get("offer"),
        "sku": compute.get("sku"),
        "admin_username": dig(compute, "osProfile", "adminUsername"),
    }


_AWS_FIELDS = (
    "account_id",
    "ami_id",
    "availability_zone",
    "data_disk_number",
    "instance_id",
    "instance_type",
    "region",
    "vpc_id",
)


def _aws(metadata: Any) -> dict[str, Any] | None:
    if not isinstance(metadata, Mapping):
        return None
    if "ami-id" not in metadata:
        return {field: metadata.get(field) for field in _AWS_FIELDS}
    interfaces = dig(metadata, "network", "interfaces", "macs")
    first_interface = next(iter(interfaces.values()), None) if isinstance(interfaces, Mapping) else None
    block_devices = metadata.get("block-device-mapping")
    # The root and AMI mappings are the operating system's; every other mapping is a data disk.
    data_disks = (
        [name for name in block_devices if name not in ("root", "ami")] if isinstance(block_devices, Mapping) else []
    )
    return {
        "account_id": dig(metadata, "identity-credentials", "ec2", "info", "AccountId"),
        "ami_id": metadata.get("ami-id"),
        "availability_zone": dig(metadata, "placement", "availability-zone"),
        "data_disk_number": len(data_disks),
        "instance_id": metadata.get("instance-id"),
        "instance_type": metadata.get("instance-type"),
        "region": dig(metadata, "placement", "region"),
        "vpc_id": dig(first_interface, "vpc-id"),
    }


_GCP_FIELDS = ("disk_number", "image", "instance_name", "machine_type", "network", "project_id", "zone")


def _gcp(metadata: Any) -> dict[str, Any] | None:
    if not isinstance(metadata, Mapping):
        return None
    instance = metadata.get("instance")
    if not isinstance(instance, Mapping):
        return {field: metadata.get(field) for field in _GCP_FIELDS}
    return {
        "disk_number": len(items(instance.get("disks"))),
        "image": _last_segment(instance.get("image")),
        "instance_name": instance.get("name"),
        "machine_type": _last_segment(instance.get("machineType")),
        "network": _last_segment(dig(instance, "networkInterfaces", 0, "network")),
        "project_id": dig(metadata, "project", "projectId"),
        "zone": _last_segment(instance.get("zone")),
    }


def _last_segment(resource: Any) -> Any:
    """GCP names resources by path ("projects/123/zones/europe-west1-b"); the last segment is the name."""
    return resource.rsplit("/", 1)[-1] if isinstance(resource, str) else resource


_NORMALISERS = {"azure": _azure, "aws": _aws, "gcp": _gcp}
