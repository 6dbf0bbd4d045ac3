import json
from uuid import UUID, uuid5

import pytest

from apps.eventstore.commands import aggregate_for
from apps.landscape import commands
from apps.landscape.aggregates import Cluster, Database, Host, SapSystem
from apps.landscape.commands import build


def test_ids_are_deterministic_uuid5_in_the_server_namespace():
    namespace = UUID("fb92284e-aa5e-47f6-a883-bf9469e7a0dc")
    assert commands.cluster_id("abc") == str(uuid5(namespace, "abc"))
    assert commands.database_id("e06e328f8d6b0f46c1e66ffcd44d0dd7") == str(
        uuid5(namespace, "e06e328f8d6b0f46c1e66ffcd44d0dd7")
    )
    db = commands.database_id("e06e328f8d6b0f46c1e66ffcd44d0dd7")
    assert commands.sap_system_id(db, "PRD") == str(uuid5(UUID(db), "PRD"))
    assert commands.host_id("779CDD70-E9E2-58CA-B18A-BF3EB3F71244") == "779cdd70-e9e2-58ca-b18a-bf3eb3f71244"


def test_build_addresses_the_target_stream(shared_dir):
    envelope = json.loads((shared_dir / "trento-discovery/fixtures/web/host_discovery.json").read_text())
    payload = {"host_id": envelope["agent_id"], **envelope["payload"]}
    command = build("RegisterHost", payload)
    assert command.type == "RegisterHost"
    assert command.stream_id == f"host-{envelope['agent_id']}"
    assert command.payload["hostname"] == "suse"


@pytest.mark.parametrize(
    ("command_type", "target", "kind"),
    [
        ("RegisterOnlineClusterHost", "cluster_id", "cluster"),
        ("RegisterDatabaseInstance", "database_id", "database"),
        ("UpdateDatabaseHealth", "sap_system_id", "sap_system"),
    ],
)
def test_stream_kinds(command_type, target, kind):
    some_id = "6e5c8d0a-3b35-4a1c-9e8f-2a7a0f6c1b11"
    assert build(command_type, {target: some_id}).stream_id == f"{kind}-{some_id}"


def test_build_refuses_unknown_commands_fields_and_missing_targets():
    with pytest.raises(ValueError, match="Unknown"):
        build("RegisterToaster", {"host_id": "x"})
    with pytest.raises(ValueError, match="no field"):
        build("UpdateHeartbeat", {"host_id": "6e5c8d0a-3b35-4a1c-9e8f-2a7a0f6c1b11", "beat": 1})
    with pytest.raises(ValueError, match="needs host_id"):
        build("UpdateHeartbeat", {"heartbeat": "passing"})


def test_every_command_names_its_target_among_its_fields():
    for spec in commands.COMMANDS.values():
        assert spec.target in spec.fields


def test_every_command_is_handled_by_one_landscape_aggregate():
    kinds = {Host: "host_id", Cluster: "cluster_id", Database: "database_id", SapSystem: "sap_system_id"}
    for command_type, spec in commands.COMMANDS.items():
        assert kinds[aggregate_for(command_type)] == spec.target, command_type
    handled = {name for aggregate in kinds for name in aggregate._deciders}
    assert handled == set(commands.COMMANDS)
