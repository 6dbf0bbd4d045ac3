"""The landscape's command vocabulary: names, payload fields, stream ids and deterministic ids.

Discovery policies, the heartbeat endpoint, process managers and event handlers build commands with
``build`` (or ``caused_by`` when reacting to an event); the aggregates in ``apps.landscape.aggregates``
decide on them. Payload fields are snake_case and named as upstream Trento names them. Every field
but the target id is optional: a missing field reads as ``None``. Timestamps are ISO 8601 strings
chosen by the sender (the aggregates never read the clock).

Identity (spec §1): host_id is the agent id; cluster_id and database_id are UUIDv5 of the corosync
cluster id / HANA system ``Id`` in the server namespace; sap_system_id is UUIDv5 of the tenant name
in the database_id namespace. Stream ids are ``<kind>-<uuid>``.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4, uuid5

from apps.eventstore.commands import Command
from apps.eventstore.store import RecordedEvent

#: Trento's server namespace: the same ids as the upstream control plane for the same landscape.
SERVER_NAMESPACE = UUID("fb92284e-aa5e-47f6-a883-bf9469e7a0dc")


def host_id(agent_id: str | UUID) -> str:
    """A host is identified by its agent (which derives the id from /etc/machine-id)."""
    return str(UUID(str(agent_id)))


def cluster_id(corosync_cluster_id: str) -> str:
    return str(uuid5(SERVER_NAMESPACE, corosync_cluster_id))


def database_id(hana_system_id: str) -> str:
    """From the ``Id`` of a Type=1 system in sap_system_discovery."""
    return str(uuid5(SERVER_NAMESPACE, hana_system_id))


def sap_system_id(database_id: str | UUID, tenant: str) -> str:
    """An ABAP/J2EE system is "which database + which tenant"."""
    return str(uuid5(UUID(str(database_id)), tenant))


#: Stream kind per target id field.
STREAM_KINDS = {
    "host_id": "host",
    "cluster_id": "cluster",
    "database_id": "database",
    "sap_system_id": "sap_system",
}


def stream_id(target_field: str, target_id: str | UUID) -> str:
    return f"{STREAM_KINDS[target_field]}-{UUID(str(target_id))}"


@dataclass(frozen=True)
class CommandSpec:
    """One command: the payload field naming its stream and the documented payload fields."""

    target: str
    fields: dict[str, str]


_INSTANCE_KEY = {
    "host_id": "host the instance runs on",
    "instance_number": 'two-digit SAP instance number, e.g. "00"',
}

#: The vocabulary. ``fields`` maps every payload field (the target included) to what it holds.
COMMANDS: dict[str, CommandSpec] = {
    # --- Host (stream host-<host_id>) ----------------------------------------------------------------
    "RegisterHost": CommandSpec(
        "host_id",
        {
            "host_id": "agent id",
            "hostname": "short host name",
            "ip_addresses": 'IPv4 addresses without loopback; "a.b.c.d/nn" when netmasks are known',
            "netmasks": "prefix lengths as sent by the agent",
            "agent_version": "",
            "cpu_count": "",
            "socket_count": "",
            "total_memory_mb": "",
            "os_version": 'e.g. "15-SP2"',
            "arch": 'e.g. "x86_64"; may be missing',
            "fully_qualified_domain_name": "",
            "installation_source": "community | suse | unknown",
            "prometheus_targets": '{"node_exporter": "10.1.1.4:9100", ...}',
            "prometheus_mode": "pull | push",
            "systemd_units": '[{"name", "unit_file_state"}]',
            "last_boot_timestamp": "ISO timestamp or None",
        },
    ),
    "UpdateHeartbeat": CommandSpec("host_id", {"host_id": "", "heartbeat": "passing | critical"}),
    "UpdateProvider": CommandSpec(
        "host_id",
        {
            "host_id": "",
            "provider": "azure | aws | gcp | kvm | vmware | nutanix | unknown",
            "provider_data": "normalised provider metadata (spec §3) or None",
        },
    ),
    "UpdateSaptuneStatus": CommandSpec(
        "host_id",
        {
            "host_id": "",
            "saptune_installed": "bool",
            "package_version": 'e.g. "3.1.0"; None when not installed',
            "sap_running": "bool: the host has at least one application or database instance",
            "status": "reshaped saptune status (with tuning_state) or None",
        },
    ),
    "UpdateSlesSubscriptions": CommandSpec(
        "host_id",
        {
            "host_id": "",
            "subscriptions": "[{host_id, identifier, version, arch, status, subscription_status, type, "
            "starts_at, expires_at}]",
        },
    ),
    "SelectHostChecks": CommandSpec("host_id", {"host_id": "", "checks": "[check id]"}),
    "CompleteHostChecksExecution": CommandSpec(
        "host_id", {"host_id": "", "health": "passing | warning | critical | unknown"}
    ),
    "RequestHostDeregistration": CommandSpec(
        "host_id",
        {
            "host_id": "",
            "requested_at": "ISO timestamp",
            "heartbeat": "passing when last heartbeat + interval + debounce is still in the future "
            "(from the heartbeats table); refused with host_alive then",
        },
    ),
    "DeregisterHost": CommandSpec("host_id", {"host_id": "", "deregistered_at": "ISO timestamp"}),
    "CompleteSoftwareUpdatesDiscovery": CommandSpec(
        "host_id",
        {
            "host_id": "",
            "health": "passing | warning | critical | unknown: what SUSE Multi-Linux Manager's relevant patches "
            "make of the host (apps.landscape.software_updates.health_of), unknown when the discovery failed",
        },
    ),
    "ClearSoftwareUpdatesDiscovery": CommandSpec("host_id", {"host_id": ""}),
    # --- Cluster (stream cluster-<cluster_id>) -------------------------------------------------------
    "RegisterOnlineClusterHost": CommandSpec(
        "cluster_id",
        {
            "cluster_id": "",
            "host_id": "the reporting node",
            "name": "cluster name (None when blank)",
            "type": "hana_scale_up | hana_scale_out | ascs_ers | hana_ascs_ers | unknown",
            "state": "controller state without S_, e.g. idle; unknown when not one of pacemaker's",
            "provider": "",
            "sap_instances": '[{"name", "sid", "instance_number", "hostname", "mounted" (None for HANA), '
            '"resource_type", "resource_id" (the CIB primitive)}]',
            "resources_number": "",
            "hosts_number": "",
            "details": "type-specific details (spec §3), None for unknown and hana_ascs_ers clusters: HANA has "
            "sr_health_state, secondary_sync_state, architecture_type, hana_scenario, nodes, sites, "
            "sbd_devices[{device, status}], fencing_type, maintenance_mode, stopped_resources, resources...; "
            "ASCS/ERS has sap_systems[{sid, distributed, ...}], sbd_devices, resources...; every resource is "
            "{id, type, role, status, fail_count, managed, parent, node, sid}. Enrichment strips the volatile "
            "lpa_<sid>_lpt node attribute of hana_scale_up clusters",
            "designated_controller": "bool: the reporting node is the DC",
            "cib_last_written": "crm_mon's last CIB change; kept in a side table, ignored by the aggregate",
        },
    ),
    "RegisterOfflineClusterHost": CommandSpec(
        "cluster_id", {"cluster_id": "", "host_id": "", "name": "cluster name (None when blank)"}
    ),
    "DeregisterClusterHost": CommandSpec(
        "cluster_id", {"cluster_id": "", "host_id": "", "deregistered_at": "ISO timestamp"}
    ),
    "MarkClusterHostStale": CommandSpec(
        "cluster_id", {"cluster_id": "", "host_id": "", "stale_at": "ISO timestamp (heartbeat failure)"}
    ),
    "SelectChecks": CommandSpec("cluster_id", {"cluster_id": "", "checks": "[check id]"}),
    "CompleteChecksExecution": CommandSpec(
        "cluster_id", {"cluster_id": "", "health": "passing | warning | critical | unknown"}
    ),
    # --- Database (stream database-<database_id>) ----------------------------------------------------
    "RegisterDatabaseInstance": CommandSpec(
        "database_id",
        {
            "database_id": "",
            "sid": "",
            "tenants": '[{"name"}] from the system\'s Databases[]',
            **_INSTANCE_KEY,
            "instance_hostname": "SAPControl hostname of the current instance",
            "features": 'e.g. "HDB|HDB_WORKER"',
            "http_port": "int",
            "https_port": "int",
            "start_priority": 'e.g. "0.3"',
            "dispstatus": 'SAPControl dispstatus, e.g. "SAPControl-GREEN" (the aggregate derives health)',
            "system_replication": "Primary | Secondary | None (not replicated)",
            "system_replication_status": 'overall status, e.g. "ACTIVE"',
            "system_replication_site": "",
            "system_replication_site_id": "int: hdbnsutil site id of this instance's site",
            "system_replication_active_primary_site": "int: site id of the active primary (known even when stopped)",
            "system_replication_mode": "",
            "system_replication_operation_mode": "",
            "system_replication_source_site": "",
            "system_replication_tier": "int",
        },
    ),
    "MarkDatabaseInstanceAbsent": CommandSpec(
        "database_id", {"database_id": "", **_INSTANCE_KEY, "absent_at": "ISO timestamp"}
    ),
    "MarkDatabaseInstanceDataStale": CommandSpec(
        "database_id", {"database_id": "", **_INSTANCE_KEY, "stale_at": "ISO timestamp"}
    ),
    "DeregisterDatabaseInstance": CommandSpec(
        "database_id", {"database_id": "", **_INSTANCE_KEY, "deregistered_at": "ISO timestamp"}
    ),
    # --- SAP system (stream sap_system-<sap_system_id>) ----------------------------------------------
    "RegisterApplicationInstance": CommandSpec(
        "sap_system_id",
        {
            "sap_system_id": "filled by enrichment: sap_system_id(database_id, tenant)",
            "sid": "",
            "tenant": "profile dbs/hdb/dbname",
            "db_host": "DBAddress",
            **_INSTANCE_KEY,
            "instance_hostname": "",
            "features": 'e.g. "MESSAGESERVER|ENQUE", "ABAP|GATEWAY|ICMAN|IGS", "ENQREP"',
            "http_port": "int",
            "https_port": "int",
            "start_priority": "",
            "dispstatus": 'SAPControl dispstatus, e.g. "SAPControl-GREEN"',
            "clustered": "bool: the cluster CIB has a mounted SAPInstance with the same SID and number",
            "ensa_version": "ensa1 | ensa2 | no_ensa",
            "database_id": "filled by enrichment",
            "database_health": "filled by enrichment",
            "database_stale_at": "filled by enrichment (None when in sync)",
        },
    ),
    "MarkApplicationInstanceAbsent": CommandSpec(
        "sap_system_id", {"sap_system_id": "", **_INSTANCE_KEY, "absent_at": "ISO timestamp"}
    ),
    "MarkApplicationInstanceDataStale": CommandSpec(
        "sap_system_id", {"sap_system_id": "", **_INSTANCE_KEY, "stale_at": "ISO timestamp"}
    ),
    "DeregisterApplicationInstance": CommandSpec(
        "sap_system_id", {"sap_system_id": "", **_INSTANCE_KEY, "deregistered_at": "ISO timestamp"}
    ),
    "DeregisterSapSystem": CommandSpec("sap_system_id", {"sap_system_id": "", "deregistered_at": "ISO timestamp"}),
    "RestoreSapSystem": CommandSpec(
        "sap_system_id",
        {
            "sap_system_id": "",
            "tenant": "the system's tenant",
            "db_host": "the system's database address",
            "database_health": "current health of the database",
        },
    ),
    "UpdateDatabaseHealth": CommandSpec("sap_system_id", {"sap_system_id": "", "database_health": ""}),
    "UpdateDatabaseStaleAt": CommandSpec(
        "sap_system_id", {"sap_system_id": "", "database_stale_at": "ISO timestamp, None when back in sync"}
    ),
}


def _checked(command_type: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        spec = COMMANDS[command_type]
    except KeyError:
        raise ValueError(f"Unknown landscape command {command_type!r}.") from None
    if unknown := set(payload) - set(spec.fields):
        raise ValueError(f"{command_type} has no field(s) {sorted(unknown)}.")
    if not payload.get(spec.target):
        raise ValueError(f"{command_type} needs {spec.target}.")
    return stream_id(spec.target, payload[spec.target]), dict(payload)


def build(command_type: str, payload: dict[str, Any], *, actor: str = "", command_id: UUID | None = None) -> Command:
    """A root command (an agent discovery, a user request) addressed to the stream of its target id;
    ``command_id`` when the sender chose it (a command sent over REST, idempotent by its id).

    Raises ``ValueError`` for an unknown command, an unknown field or a missing target id.
    """
    stream, payload = _checked(command_type, payload)
    return Command(command_type, stream, payload, command_id=command_id or uuid4(), actor=actor)


def caused_by(event: RecordedEvent, command_type: str, payload: dict[str, Any]) -> Command:
    """A command dispatched in reaction to ``event`` (process manager, event handler)."""
    stream, payload = _checked(command_type, payload)
    return Command.caused_by(event, command_type, stream, payload)
