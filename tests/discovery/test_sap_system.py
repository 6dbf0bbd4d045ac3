import pytest

from apps.discovery.policies import (
    ClusterSapInstance,
    InvalidDiscovery,
    KnownApplicationInstance,
    KnownDatabaseInstance,
    PolicyContext,
)
from apps.landscape.commands import database_id
from tests.discovery.support import RECEIVED_AT, run

HOST = "9cd46919-5f19-59aa-993e-cf3736c71053"
PRD = database_id("e06e328f8d6b0f46c1e66ffcd44d0dd7")
SAP_SYSTEM = "5a6a2fba-3f2c-5d4b-b5a4-bd0d2f4b3e17"


def test_a_hana_instance_registers_with_its_replication_state(envelope):
    [command] = run(envelope("web/sap_system_discovery_database.json"))
    assert (command.type, command.stream_id) == ("RegisterDatabaseInstance", f"database-{PRD}")
    payload = command.payload
    assert (payload["database_id"], payload["sid"], payload["tenants"]) == (PRD, "PRD", [{"name": "PRD"}])
    assert (payload["instance_number"], payload["instance_hostname"]) == ("00", "vmhana01")
    assert (payload["features"], payload["http_port"], payload["https_port"]) == ("HDB|HDB_WORKER", 50013, 50014)
    assert (payload["start_priority"], payload["dispstatus"]) == ("0.3", "SAPControl-GREEN")
    assert (payload["system_replication"], payload["system_replication_status"]) == ("Primary", "ERROR")
    assert (payload["system_replication_site"], payload["system_replication_tier"]) == ("Site1", 1)
    assert payload["system_replication_source_site"] is None
    assert (payload["system_replication_site_id"], payload["system_replication_active_primary_site"]) == (1, None)


def test_a_secondary_knows_its_source_site_and_tier(envelope):
    [command] = run(envelope("web/sap_system_discovery_database_secondary.json"))
    payload = command.payload
    assert (payload["system_replication"], payload["system_replication_mode"]) == ("Secondary", "sync")
    assert payload["system_replication_operation_mode"] == "logreplay"
    assert (payload["system_replication_site"], payload["system_replication_source_site"]) == ("Site2", "Site1")
    assert payload["system_replication_tier"] == 2
    assert payload["system_replication_status"] is None
    assert (payload["system_replication_site_id"], payload["system_replication_active_primary_site"]) == (2, 1)


def test_a_multi_target_source_lists_each_target_on_its_own_line(envelope):
    # hdbnsutil repeats siteMapping/<source> once per target; the agent sends the repeats as a list.
    secondary = envelope("web/sap_system_discovery_database_secondary.json")
    state = secondary["payload"][0]["Instances"][0]["HdbnsutilSRstate"]
    state["siteMapping/Site1"] = ["Site3", "Site2"]
    [command] = run(secondary)
    assert command.payload["system_replication_source_site"] == "Site1"


def test_a_stopped_secondary_leaves_its_tier_to_enrichment(envelope):
    # A stopped secondary's hdbnsutil output has no site mapping or tiers, only the active primary's id.
    secondary = envelope("web/sap_system_discovery_database_secondary.json")
    state = secondary["payload"][0]["Instances"][0]["HdbnsutilSRstate"]
    for key in [k for k in state if k.startswith(("siteMapping/", "siteTier/"))]:
        del state[key]
    [command] = run(secondary)
    payload = command.payload
    assert (payload["system_replication"], payload["system_replication_tier"]) == ("Secondary", None)
    assert (payload["system_replication_source_site"], payload["system_replication_active_primary_site"]) == (None, 1)


def test_non_replicated_and_stopped_databases(envelope):
    [multi] = run(envelope("web/sap_system_discovery_database_multi_tenant.json"))
    assert multi.payload["tenants"] == [{"name": "HS6"}, {"name": "S4TENANT"}]
    assert multi.payload["system_replication"] is None
    [stopped] = run(envelope("web/sap_system_discovery_database_stopped_instance.json"))
    assert (stopped.payload["dispstatus"], stopped.payload["system_replication"]) == ("SAPControl-GRAY", "Primary")


def test_an_application_instance_waits_for_enrichment_to_know_its_sap_system(envelope):
    [command] = run(envelope("web/sap_system_discovery_application.json"))
    assert (command.type, command.stream_id) == ("RegisterApplicationInstance", "")
    assert "sap_system_id" not in command.payload
    payload = command.payload
    assert (payload["sid"], payload["tenant"], payload["db_host"]) == ("HA1", "PRD", "10.74.1.12")
    assert (payload["instance_number"], payload["instance_hostname"]) == ("02", "sapha1aas1")
    assert (payload["features"], payload["dispstatus"]) == ("ABAP|GATEWAY|ICMAN|IGS", "SAPControl-GREEN")
    assert (payload["clustered"], payload["ensa_version"]) == (False, "no_ensa")


@pytest.mark.parametrize(
    ("process", "ensa_version"),
    [("enserver", "ensa1"), ("enrepserver", "ensa1"), ("enq_server", "ensa2"), ("enq_replicator", "ensa2")],
)
def test_the_ensa_version_comes_from_the_enqueue_process_names(envelope, process, ensa_version):
    application = envelope("web/sap_system_discovery_application.json")
    application["payload"][0]["Instances"][0]["SAPControl"]["Processes"][1]["name"] = process
    [command] = run(application)
    assert command.payload["ensa_version"] == ensa_version


@pytest.mark.parametrize(
    ("cluster_instance", "clustered"),
    [
        (ClusterSapInstance("HA1", "02", mounted=True), True),
        # Installed on every node and only started by the cluster: it never moves.
        (ClusterSapInstance("HA1", "02", mounted=False), False),
        (ClusterSapInstance("HA1", "00", mounted=True), False),
        (ClusterSapInstance("NWP", "02", mounted=True), False),
    ],
)
def test_clustered_means_a_mounted_cib_instance_with_the_same_sid_and_number(envelope, cluster_instance, clustered):
    context = PolicyContext(cluster_sap_instances=(cluster_instance,))
    [command] = run(envelope("web/sap_system_discovery_application.json"), context)
    assert command.payload["clustered"] is clustered


def test_the_tenant_prefers_the_agent_field_over_the_profile(envelope):
    application = envelope("web/sap_system_discovery_application.json")
    application["payload"][0]["Tenant"] = "TENANT2"
    [command] = run(application)
    assert command.payload["tenant"] == "TENANT2"


def test_an_abap_system_without_tenant_is_rejected(envelope):
    application = envelope("web/sap_system_discovery_application.json")
    del application["payload"][0]["Profile"]["dbs/hdb/dbname"]
    with pytest.raises(InvalidDiscovery) as rejected:
        run(application)
    assert rejected.value.errors[0].path == "/payload/0/Profile/dbs~1hdb~1dbname"


@pytest.mark.parametrize(
    "fixture",
    [
        "web/sap_system_discovery_empty_application_instances.json",  # Type 0
        "agent/sap_system/expected_published_sap_system_discovery_diagnostics.json",  # Type 3
    ],
)
def test_unknown_and_diagnostics_systems_are_ignored(envelope, fixture):
    assert run(envelope(fixture)) == []


def test_diagnostics_beside_an_application_leave_only_the_application(envelope):
    commands = run(envelope("web/sap_system_discovery_application_diagnostics.json"))
    assert [(c.type, c.payload["sid"]) for c in commands] == [("RegisterApplicationInstance", "HA1")]


KNOWN = PolicyContext(
    application_instances=(
        KnownApplicationInstance(SAP_SYSTEM, "HA1", "02"),
        KnownApplicationInstance(SAP_SYSTEM, "HA1", "01"),
    ),
    database_instances=(KnownDatabaseInstance(PRD, "PRD", "00"), KnownDatabaseInstance(PRD, "PRD", "10")),
    received_at=RECEIVED_AT,
)


def test_known_instances_missing_from_the_payload_are_marked_absent_first_databases_then_applications(envelope):
    commands = run(envelope("web/sap_system_discovery_application.json"), KNOWN)
    assert [(c.type, c.stream_id, c.payload["instance_number"]) for c in commands] == [
        ("MarkDatabaseInstanceAbsent", f"database-{PRD}", "00"),
        ("MarkDatabaseInstanceAbsent", f"database-{PRD}", "10"),
        ("MarkApplicationInstanceAbsent", f"sap_system-{SAP_SYSTEM}", "01"),
        ("RegisterApplicationInstance", "", "02"),
    ]
    assert commands[2].payload == {
        "sap_system_id": SAP_SYSTEM,
        "host_id": "779cdd70-e9e2-58ca-b18a-bf3eb3f71244",
        "instance_number": "01",
        "absent_at": RECEIVED_AT.isoformat(),
    }


def test_an_empty_discovery_marks_every_known_instance_absent(envelope):
    commands = run(envelope("web/sap_system_discovery_empty.json"), KNOWN)
    assert [c.type for c in commands] == ["MarkDatabaseInstanceAbsent"] * 2 + ["MarkApplicationInstanceAbsent"] * 2
    assert {c.payload["host_id"] for c in commands} == {HOST}


def test_a_database_instance_still_present_is_not_marked_absent(envelope):
    commands = run(envelope("web/sap_system_discovery_database.json"), KNOWN)
    assert [(c.type, c.payload["instance_number"]) for c in commands] == [
        ("MarkDatabaseInstanceAbsent", "10"),
        ("MarkApplicationInstanceAbsent", "02"),
        ("MarkApplicationInstanceAbsent", "01"),
        ("RegisterDatabaseInstance", "00"),
    ]


def test_an_instance_without_instance_number_is_rejected(envelope):
    database = envelope("web/sap_system_discovery_database.json")
    instance = database["payload"][0]["Instances"][0]["SAPControl"]
    instance["Properties"] = [p for p in instance["Properties"] if p["property"] != "SAPSYSTEM"]
    instance["Instances"][0]["instanceNr"] = None
    with pytest.raises(InvalidDiscovery) as rejected:
        run(database)
    assert rejected.value.errors[0].path == "/payload/0/Instances/0/SAPControl/Properties"


def test_older_agents_without_current_instance_flag_are_matched_by_host_and_number(envelope):
    database = envelope("web/sap_system_discovery_database.json")
    for entry in database["payload"][0]["Instances"][0]["SAPControl"]["Instances"]:
        del entry["currentInstance"]
    [command] = run(database)
    assert (command.payload["features"], command.payload["http_port"]) == ("HDB|HDB_WORKER", 50013)


@pytest.mark.parametrize("name", ["SAPSYSTEM", "SAPLOCALHOST"])
@pytest.mark.parametrize("blank", ["", "  "])
@pytest.mark.parametrize(
    "fixture", ["web/sap_system_discovery_database.json", "web/sap_system_discovery_application.json"]
)
def test_a_blank_instance_number_or_hostname_is_rejected(envelope, fixture, name, blank):
    discovery = envelope(fixture)
    for prop in discovery["payload"][0]["Instances"][0]["SAPControl"]["Properties"]:
        if prop["property"] == name:
            prop["value"] = blank
    with pytest.raises(InvalidDiscovery) as rejected:
        run(discovery)
    assert rejected.value.errors[0].path == "/payload/0/Instances/0/SAPControl/Properties"
    assert name in rejected.value.errors[0].message
