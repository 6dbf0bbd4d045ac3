import pytest

from apps.landscape.aggregates.database import Database
from apps.landscape.aggregates.health import from_dispstatus
from apps.landscape.commands import database_id as make_database_id
from tests.landscape.support import envelope, rejected, replay, types, when

AT = "2026-08-01T10:00:00+00:00"


def instance_payload(shared_dir, fixture, role, **changes):
    """RegisterDatabaseInstance as the policy would build it from a HANA sap_system_discovery."""
    found = envelope(shared_dir, f"web/{fixture}")
    [system] = found["payload"]
    [instance] = system["Instances"]
    [current] = [i for i in instance["SAPControl"]["Instances"] if i["currentInstance"]]
    replication = instance.get("SystemReplication") or {}
    site = replication.get(f"site/{replication.get('local_site_id')}/SITE_NAME")
    return {
        "database_id": make_database_id(system["Id"]),
        "sid": system["SID"],
        "tenants": [{"name": db["Database"]} for db in system["Databases"]],
        "host_id": found["agent_id"],
        "instance_number": f"{current['instanceNr']:02d}",
        "instance_hostname": current["hostname"],
        "features": current["features"],
        "http_port": current["httpPort"],
        "https_port": current["httpsPort"],
        "start_priority": current["startPriority"],
        "dispstatus": current["dispstatus"],
        "system_replication": role,
        "system_replication_status": "ACTIVE" if role else "",
        "system_replication_site": site,
        "system_replication_mode": "sync" if role else None,
        "system_replication_operation_mode": "logreplay" if role else None,
        "system_replication_source_site": "Site1" if role == "Secondary" else None,
        "system_replication_tier": {"Primary": 1, "Secondary": 2}.get(role),
        **changes,
    }


@pytest.fixture
def primary(shared_dir):
    return instance_payload(shared_dir, "sap_system_discovery_database.json", "Primary")


@pytest.fixture
def secondary(shared_dir, primary):
    # Same system Id as the primary fixture, on another host.
    payload = instance_payload(shared_dir, "sap_system_discovery_database_secondary.json", "Secondary")
    return {**payload, "host_id": "fb2c6b8a-9915-5969-a6b7-8b5a42de1971"}


def database_of(*payloads):
    database = Database(f"database-{payloads[0]['database_id']}")
    for payload in payloads:
        when(database, "RegisterDatabaseInstance", payload)
    return database


def key(payload):
    return {"database_id": payload["database_id"], "host_id": payload["host_id"], "instance_number": "00"}


class TestRegistration:
    def test_a_primary_registers_the_database_and_its_instance(self, primary):
        events = when(Database(f"database-{primary['database_id']}"), "RegisterDatabaseInstance", primary)
        # As upstream: the tenants follow the instance in their own event.
        assert types(events) == ["DatabaseRegistered", "DatabaseInstanceRegistered", "DatabaseTenantsUpdated"]
        database_id = make_database_id("e06e328f8d6b0f46c1e66ffcd44d0dd7")
        assert events[0][1] == {"database_id": database_id, "sid": "PRD", "health": "passing"}
        assert events[2][1] == {"database_id": database_id, "tenants": [{"name": "PRD"}], "previous_tenants": []}
        instance = events[1][1]
        assert instance["instance_number"] == "00"
        assert instance["instance_hostname"] == "vmhana01"
        assert instance["features"] == "HDB|HDB_WORKER"
        assert instance["system_replication"] == "Primary"
        assert instance["system_replication_site"] == "Site1"
        assert instance["health"] == "passing"

    def test_a_non_replicated_instance_registers_the_database(self, shared_dir):
        payload = instance_payload(shared_dir, "sap_system_discovery_database_multi_tenant.json", "")
        events = when(Database(f"database-{payload['database_id']}"), "RegisterDatabaseInstance", payload)
        assert types(events) == ["DatabaseRegistered", "DatabaseInstanceRegistered", "DatabaseTenantsUpdated"]
        assert events[2][1]["tenants"] == [{"name": "HS6"}, {"name": "S4TENANT"}]

    def test_a_secondary_first_is_rejected(self, secondary):
        database = Database(f"database-{secondary['database_id']}")
        assert rejected(database, "RegisterDatabaseInstance", secondary) == "database_not_registered"

    def test_a_secondary_joins_a_registered_database(self, primary, secondary):
        database = database_of(primary)
        events = when(database, "RegisterDatabaseInstance", secondary)
        assert types(events) == ["DatabaseInstanceRegistered"]
        assert events[0][1]["system_replication"] == "Secondary"
        assert events[0][1]["system_replication_source_site"] == "Site1"

    def test_the_same_data_twice_emits_nothing(self, primary, secondary):
        database = database_of(primary, secondary)
        assert when(database, "RegisterDatabaseInstance", primary) == []
        assert when(database, "RegisterDatabaseInstance", secondary) == []

    def test_instance_status_changes_and_database_health(self, primary, secondary):
        database = database_of(primary, secondary)
        events = when(database, "RegisterDatabaseInstance", {**secondary, "dispstatus": "SAPControl-YELLOW"})
        assert events == [
            ("DatabaseInstanceStatusChanged", {**key(secondary), "health": "warning"}),
            ("DatabaseHealthChanged", {"database_id": primary["database_id"], "health": "warning"}),
        ]

    def test_system_replication_changes_carry_every_replication_field(self, primary, secondary):
        database = database_of(primary, secondary)
        takeover = {
            **secondary,
            "system_replication": "Primary",
            "system_replication_source_site": None,
            "system_replication_tier": 1,
        }
        [(event_type, data)] = when(database, "RegisterDatabaseInstance", takeover)
        assert event_type == "DatabaseInstanceSystemReplicationChanged"
        assert data["system_replication"] == "Primary"
        assert data["system_replication_tier"] == 1
        assert data["system_replication_site"] == "Site2"

    def test_tenant_changes_carry_the_previous_tenants(self, primary):
        database = database_of(primary)
        tenants = [{"name": "PRD"}, {"name": "QAS"}]
        events = when(database, "RegisterDatabaseInstance", {**primary, "tenants": tenants})
        assert events == [
            (
                "DatabaseTenantsUpdated",
                {"database_id": primary["database_id"], "tenants": tenants, "previous_tenants": [{"name": "PRD"}]},
            )
        ]

    def test_a_secondary_does_not_change_the_tenants(self, primary, secondary):
        database = database_of(primary)
        events = when(database, "RegisterDatabaseInstance", {**secondary, "tenants": []})
        assert types(events) == ["DatabaseInstanceRegistered"]
        assert database.tenants == [{"name": "PRD"}]


class TestDispstatusHealth:
    @pytest.mark.parametrize(
        ("dispstatus", "health"),
        [
            ("SAPControl-GREEN", "passing"),
            ("SAPControl-YELLOW", "warning"),
            ("SAPControl-RED", "critical"),
            ("SAPControl-GRAY", "unknown"),
            ("", "unknown"),
            (None, "unknown"),
        ],
    )
    def test_mapping(self, dispstatus, health):
        assert from_dispstatus(dispstatus) == health

    @pytest.mark.parametrize(
        ("first", "second", "expected"),
        [
            ("SAPControl-GREEN", "SAPControl-GREEN", "passing"),
            ("SAPControl-GREEN", "SAPControl-RED", "critical"),
            ("SAPControl-YELLOW", "SAPControl-GREEN", "warning"),
            ("SAPControl-RED", "SAPControl-GRAY", "unknown"),
        ],
    )
    def test_database_health_is_the_worst_instance_health(self, primary, secondary, first, second, expected):
        database = database_of({**primary, "dispstatus": first}, {**secondary, "dispstatus": second})
        assert database.health == expected


class TestAbsenceAndStaleness:
    def test_absent_then_present(self, primary):
        database = database_of(primary)
        payload = {**key(primary), "absent_at": AT}
        assert when(database, "MarkDatabaseInstanceAbsent", payload) == [("DatabaseInstanceMarkedAbsent", payload)]
        assert when(database, "MarkDatabaseInstanceAbsent", payload) == []
        assert when(database, "RegisterDatabaseInstance", primary) == [("DatabaseInstanceMarkedPresent", key(primary))]

    def test_first_stale_instance_marks_the_database_stale_last_back_clears_it(self, primary, secondary):
        database = database_of(primary, secondary)
        first = when(database, "MarkDatabaseInstanceDataStale", {**key(primary), "stale_at": AT})
        assert first == [
            ("DatabaseInstanceDataMarkedStale", {**key(primary), "stale_at": AT}),
            ("DatabaseDataMarkedStale", {"database_id": primary["database_id"], "stale_at": AT}),
        ]
        second = when(database, "MarkDatabaseInstanceDataStale", {**key(secondary), "stale_at": AT})
        assert types(second) == ["DatabaseInstanceDataMarkedStale"]
        assert when(database, "MarkDatabaseInstanceDataStale", {**key(secondary), "stale_at": AT}) == []

        assert when(database, "RegisterDatabaseInstance", primary) == [
            ("DatabaseInstanceDataMarkedInSync", key(primary))
        ]
        assert when(database, "RegisterDatabaseInstance", secondary) == [
            ("DatabaseInstanceDataMarkedInSync", key(secondary)),
            ("DatabaseDataMarkedInSync", {"database_id": primary["database_id"]}),
        ]

    @pytest.mark.parametrize(
        ("command_type", "extra"),
        [
            ("MarkDatabaseInstanceAbsent", {"absent_at": AT}),
            ("MarkDatabaseInstanceDataStale", {"stale_at": AT}),
            ("DeregisterDatabaseInstance", {"deregistered_at": AT}),
        ],
    )
    def test_instance_commands_need_the_database_and_the_instance(self, primary, command_type, extra):
        payload = {**key(primary), **extra}
        assert rejected(Database("database-x"), command_type, payload) == "database_not_registered"
        unknown = {**payload, "instance_number": "10"}
        assert rejected(database_of(primary), command_type, unknown) == "database_instance_not_registered"


class TestDeregistration:
    def test_removing_a_secondary_keeps_the_database(self, primary, secondary):
        database = database_of(primary, {**secondary, "dispstatus": "SAPControl-RED"})
        events = when(database, "DeregisterDatabaseInstance", {**key(secondary), "deregistered_at": AT})
        assert events == [
            ("DatabaseInstanceDeregistered", {**key(secondary), "deregistered_at": AT}),
            ("DatabaseHealthChanged", {"database_id": primary["database_id"], "health": "passing"}),
        ]

    def test_only_secondaries_left_deregisters_the_database(self, primary, secondary):
        database = database_of(primary, secondary)
        events = when(database, "DeregisterDatabaseInstance", {**key(primary), "deregistered_at": AT})
        assert events == [
            ("DatabaseInstanceDeregistered", {**key(primary), "deregistered_at": AT}),
            ("DatabaseDeregistered", {"database_id": primary["database_id"], "deregistered_at": AT}),
        ]
        # the cascade still removes the replica and tombstones the database
        events = when(database, "DeregisterDatabaseInstance", {**key(secondary), "deregistered_at": AT})
        assert types(events) == ["DatabaseInstanceDeregistered", "DatabaseTombstoned"]

    def test_no_instances_left_deregisters_and_tombstones(self, primary):
        database = database_of(primary)
        events = when(database, "DeregisterDatabaseInstance", {**key(primary), "deregistered_at": AT})
        assert types(events) == ["DatabaseInstanceDeregistered", "DatabaseDeregistered", "DatabaseTombstoned"]

    def test_a_primary_restores_a_deregistered_database_a_secondary_does_not(self, primary, secondary):
        database = database_of(primary, secondary)
        when(database, "DeregisterDatabaseInstance", {**key(primary), "deregistered_at": AT})
        assert rejected(database, "RegisterDatabaseInstance", secondary) == "database_not_registered"
        events = when(database, "RegisterDatabaseInstance", primary)
        assert events == [
            ("DatabaseInstanceRegistered", events[0][1]),
            ("DatabaseRestored", {"database_id": primary["database_id"], "health": "passing"}),
        ]
        assert database.deregistered_at is None

    def test_a_takeover_by_the_old_secondary_restores_the_database(self, primary, secondary):
        database = database_of(primary, secondary)
        when(database, "DeregisterDatabaseInstance", {**key(primary), "deregistered_at": AT})
        takeover = {**secondary, "system_replication": "Primary"}
        assert types(when(database, "RegisterDatabaseInstance", takeover)) == [
            "DatabaseInstanceSystemReplicationChanged",
            "DatabaseRestored",
        ]

    def test_a_restore_with_other_tenants_announces_them_after_the_restore(self, primary, secondary):
        database = database_of(primary, secondary)
        when(database, "DeregisterDatabaseInstance", {**key(primary), "deregistered_at": AT})
        events = when(database, "RegisterDatabaseInstance", {**primary, "tenants": [{"name": "QAS"}]})
        assert types(events) == ["DatabaseInstanceRegistered", "DatabaseRestored", "DatabaseTenantsUpdated"]

    def test_tenants_in_another_order_are_the_same_tenants(self, primary):
        database = database_of({**primary, "tenants": [{"name": "PRD"}, {"name": "QAS"}]})
        assert (
            when(database, "RegisterDatabaseInstance", {**primary, "tenants": [{"name": "QAS"}, {"name": "PRD"}]}) == []
        )

    def test_removing_the_last_stale_instance_clears_staleness(self, primary, secondary):
        database = database_of(primary, secondary)
        when(database, "MarkDatabaseInstanceDataStale", {**key(secondary), "stale_at": AT})
        events = when(database, "DeregisterDatabaseInstance", {**key(secondary), "deregistered_at": AT})
        assert types(events) == ["DatabaseInstanceDeregistered", "DatabaseDataMarkedInSync"]


def test_state_survives_a_snapshot_round_trip(primary, secondary):
    database = database_of(primary, secondary)
    when(database, "MarkDatabaseInstanceAbsent", {**key(secondary), "absent_at": AT})
    copy = replay(database)
    assert copy.snapshot_state() == database.snapshot_state()
    assert when(copy, "RegisterDatabaseInstance", primary) == []
