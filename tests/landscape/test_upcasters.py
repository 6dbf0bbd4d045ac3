"""Events stored in Junction's first shape are read in today's (upstream Trento's) shape, and the aggregates
and projections that fold them still decide as before."""

from typing import Any

import pytest

from apps.eventstore import schema, store
from apps.eventstore.commands import Command, dispatch
from apps.eventstore.store import NewEvent

pytestmark = pytest.mark.django_db

HOST_ID = "779cdd70-e9e2-58ca-b18a-bf3eb3f71244"
CLUSTER_ID = "34a94290-2236-5e4d-8def-05beb32d14d4"
DATABASE_ID = "97c4127a-29bc-5315-82bd-8f154bee626f"
SAP_SYSTEM_ID = "511871ce-8660-59fe-a3d7-51209317c1f3"


def stored_as_version_1(monkeypatch, stream_id: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Append ``data`` as it was recorded before the upcasters existed, and read it back."""
    with monkeypatch.context() as patched:
        patched.setattr(schema, "current_version", lambda _type: 1)
        store.append(stream_id, [NewEvent(event_type, data)])
    recorded = store.read_stream(stream_id)[-1]
    assert recorded.schema_version == 2
    return recorded.data


@pytest.mark.parametrize(
    ("event_type", "old", "new"),
    [
        (
            "HostRegistered",
            {"host_id": HOST_ID, "hostname": "vmhana01", "ip_addresses": ["10.0.0.1/24"], "netmasks": [24],
             "heartbeat": "unknown"},
            {"host_id": HOST_ID, "hostname": "vmhana01", "ip_addresses": ["10.0.0.1/24"], "heartbeat": "unknown",
             "health": "unknown"},
        ),
        (
            "HostDetailsUpdated",
            {"host_id": HOST_ID, "hostname": "vmhana01", "netmasks": [24]},
            {"host_id": HOST_ID, "hostname": "vmhana01"},
        ),
        (
            "SaptuneStatusUpdated",
            {"host_id": HOST_ID, "saptune_installed": True, "package_version": "3.1.0",
             "status": {"package_version": "3.1.0", "tuning_state": "compliant"}},
            {"host_id": HOST_ID, "status": {"package_version": "3.1.0", "tuning_state": "compliant"}},
        ),
        (
            "SaptuneStatusUpdated",
            {"host_id": HOST_ID, "saptune_installed": True, "package_version": "3.0.2", "status": None},
            {"host_id": HOST_ID, "status": {"package_version": "3.0.2"}},
        ),
        (
            "SaptuneStatusUpdated",
            {"host_id": HOST_ID, "saptune_installed": False, "package_version": None, "status": None},
            {"host_id": HOST_ID, "status": None},
        ),
        (
            "ClusterRegistered",
            {"cluster_id": CLUSTER_ID, "name": "hana_cluster", "type": None},
            {"cluster_id": CLUSTER_ID, "name": "hana_cluster", "type": None, "health": "unknown",
             "health_details": {"replication_health": None, "distributed_health": None, "sbd_health": None,
                                "checks_health": None}},
        ),
        (
            "HostRemovedFromCluster",
            {"cluster_id": CLUSTER_ID, "host_id": HOST_ID},
            {"cluster_id": CLUSTER_ID, "host_id": HOST_ID, "deregistered_at": None},
        ),
        (
            "DatabaseRegistered",
            {"database_id": DATABASE_ID, "sid": "PRD", "tenants": [{"name": "PRD"}], "health": "passing"},
            {"database_id": DATABASE_ID, "sid": "PRD", "health": "passing"},
        ),
        ("DatabaseRestored", {"database_id": DATABASE_ID}, {"database_id": DATABASE_ID, "health": None}),
        (
            "SapSystemRestored",
            {"sap_system_id": SAP_SYSTEM_ID, "tenant": "PRD", "db_host": "10.0.0.1", "health": "passing",
             "database_health": "passing"},
            {"sap_system_id": SAP_SYSTEM_ID, "tenant": "PRD", "db_host": "10.0.0.1", "health": "passing",
             "database_health": "passing", "database_stale_at": None},
        ),
        (
            "ApplicationInstanceRegistered",
            {"sap_system_id": SAP_SYSTEM_ID, "sid": "HA1", "tenant": "PRD", "db_host": "10.0.0.1",
             "database_id": DATABASE_ID, "host_id": HOST_ID, "instance_number": "00", "features": "ABAP",
             "clustered": False, "ensa_version": "no_ensa", "health": "passing"},
            {"sap_system_id": SAP_SYSTEM_ID, "sid": "HA1", "host_id": HOST_ID, "instance_number": "00",
             "features": "ABAP", "health": "passing"},
        ),
        (
            "ApplicationInstanceMoved",
            {"sap_system_id": SAP_SYSTEM_ID, "instance_number": "00", "old_host_id": HOST_ID,
             "new_host_id": CLUSTER_ID, "instance_hostname": "sapha1as"},
            {"sap_system_id": SAP_SYSTEM_ID, "instance_number": "00", "old_host_id": HOST_ID,
             "new_host_id": CLUSTER_ID},
        ),
    ],
)  # fmt: skip
def test_an_old_shaped_stored_event_is_read_in_the_new_shape(monkeypatch, event_type, old, new):
    assert stored_as_version_1(monkeypatch, f"test-{event_type}", event_type, old) == new


def test_an_old_database_stream_gets_its_tenants_back_with_the_next_discovery(monkeypatch):
    """The old registration carried the tenants; read without them, the next report announces them again."""
    stream = f"database-{DATABASE_ID}"
    stored_as_version_1(
        monkeypatch, stream, "DatabaseRegistered",
        {"database_id": DATABASE_ID, "sid": "PRD", "tenants": [{"name": "PRD"}], "health": "passing"},
    )  # fmt: skip
    instance = {"database_id": DATABASE_ID, "sid": "PRD", "host_id": HOST_ID, "instance_number": "00",
                "dispstatus": "SAPControl-GREEN", "tenants": [{"name": "PRD"}]}  # fmt: skip

    events = dispatch(Command("RegisterDatabaseInstance", stream, instance))

    assert [e.type for e in events] == ["DatabaseInstanceRegistered", "DatabaseTenantsUpdated"]
    assert events[1].data["previous_tenants"] == []


def test_an_old_host_stream_folds_so_the_same_saptune_status_emits_nothing(monkeypatch):
    stream = f"host-{HOST_ID}"
    status = {"package_version": "3.1.0", "tuning_state": "compliant"}
    stored_as_version_1(
        monkeypatch, stream, "HostRegistered",
        {"host_id": HOST_ID, "hostname": "vmhana01", "netmasks": [24], "heartbeat": "unknown"},
    )  # fmt: skip
    stored_as_version_1(
        monkeypatch, stream, "SaptuneStatusUpdated",
        {"host_id": HOST_ID, "saptune_installed": True, "package_version": "3.1.0", "status": status},
    )  # fmt: skip
    update = {"host_id": HOST_ID, "saptune_installed": True, "package_version": "3.1.0", "sap_running": False,
              "status": status}  # fmt: skip

    events = dispatch(Command("UpdateSaptuneStatus", stream, update))

    assert "SaptuneStatusUpdated" not in [e.type for e in events]
