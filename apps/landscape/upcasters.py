"""Landscape events stored in an older shape, read in today's (upstream Trento's) shape.

Each upcaster turns version 1 of an event, as Junction first recorded it, into version 2. Where the
old event did not record a value the new shape has, it reads as None ("not recorded"): the events
that followed it in the old stream carried that value (sub-healths) or the next discovery brings it
again (tenants).
"""

from apps.eventstore.schema import Payload, upcaster


def _without(data: Payload, *names: str) -> Payload:
    return {key: value for key, value in data.items() if key not in names}


@upcaster("HostRegistered", from_version=1)
def host_registered_has_health_not_netmasks(data: Payload) -> Payload:
    """The netmasks are in the ip_addresses ("a.b.c.d/nn"); a new host's health is unknown."""
    return {**_without(data, "netmasks"), "health": "unknown"}


@upcaster("HostDetailsUpdated", from_version=1)
def host_details_have_no_netmasks(data: Payload) -> Payload:
    return _without(data, "netmasks")


@upcaster("SaptuneStatusUpdated", from_version=1)
def saptune_status_is_one_status(data: Payload) -> Payload:
    """An installed saptune without a status is known by its version; one not installed has no status."""
    status = data.get("status")
    if status is None and data.get("saptune_installed"):
        status = {"package_version": data.get("package_version")}
    return {"host_id": data["host_id"], "status": status}


@upcaster("ClusterRegistered", from_version=1)
def cluster_registered_has_health(data: Payload) -> Payload:
    """The old registration's sub-healths followed in their own events."""
    health_details = dict.fromkeys(("replication_health", "distributed_health", "sbd_health", "checks_health"))
    return {**data, "health": "unknown", "health_details": health_details}


@upcaster("HostRemovedFromCluster", from_version=1)
def host_removed_from_cluster_has_deregistered_at(data: Payload) -> Payload:
    return {**data, "deregistered_at": None}


@upcaster("DatabaseRegistered", from_version=1)
def database_registered_has_no_tenants(data: Payload) -> Payload:
    """Tenants are announced by DatabaseTenantsUpdated; an old stream gets them at the next discovery."""
    return _without(data, "tenants")


@upcaster("DatabaseRestored", from_version=1)
def database_restored_has_health(data: Payload) -> Payload:
    """None: the old restore left the database's health as it was."""
    return {**data, "health": None}


@upcaster("SapSystemRestored", from_version=1)
def sap_system_restored_has_database_stale_at(data: Payload) -> Payload:
    return {**data, "database_stale_at": None}


@upcaster("ApplicationInstanceRegistered", from_version=1)
def application_instance_registered_is_the_instance_only(data: Payload) -> Payload:
    """The system's tenant, database and ENSA version are SapSystemRegistered's."""
    return _without(data, "tenant", "db_host", "database_id", "clustered", "ensa_version")


@upcaster("ApplicationInstanceMoved", from_version=1)
def application_instance_moved_has_no_hostname(data: Payload) -> Payload:
    return _without(data, "instance_hostname")
