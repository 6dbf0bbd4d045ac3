"""Checks for clusters and hosts (spec §7): the selection, executions requested by people and by the
scheduler with an env built from the landscape, and the checks engine's results folded into health.

The checks engine (``apps.checks``) knows nothing of the landscape: it runs checks for a group id on
some agents with an env. This module says which agents and which env a cluster or host means, and
``apps.landscape.reactions`` turns ``ChecksExecutionCompleted`` back into a health command.
"""

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from rest_framework import status

from apps.checks import services as checks_services
from apps.checks.catalog import catalog
from apps.checks.engine import Check, Target, execution_env, is_applicable
from apps.checks.models import Execution
from apps.core.api import ApplicationError
from apps.eventstore.commands import aggregate_for, dispatch, load
from apps.eventstore.store import RecordedEvent
from apps.landscape.commands import build
from apps.landscape.models import ApplicationInstance, Cluster, Host, SapSystem

logger = logging.getLogger(__name__)

CLUSTER, HOST = "cluster", "host"
#: The cluster types checks exist for (an ``unknown`` cluster has none).
CHECKABLE_CLUSTER_TYPES = ("hana_scale_up", "hana_scale_out", "ascs_ers")
_SELECT = {CLUSTER: ("SelectChecks", "cluster_id"), HOST: ("SelectHostChecks", "host_id")}


def group_get(kind: str, group_id: UUID | str) -> Cluster | Host:
    """The registered (not deregistered) cluster or host, or a 404."""
    model = Cluster if kind == CLUSTER else Host
    group = model.objects.filter(id=group_id, deregistered_at__isnull=True).first()
    if group is None:
        raise ApplicationError(f"{kind}_not_found", f"There is no registered {kind} {group_id}.", status_code=404)
    return group


def checks_select(
    *, kind: str, group_id: UUID | str, checks: Sequence[str], actor: str, command_id: UUID | None = None
) -> list[RecordedEvent]:
    """Select the checks a cluster or host runs (``ChecksSelected``/``HostChecksSelected``); an empty
    list clears the selection. Every id must be in the catalog. Returns the events (none if unchanged)."""
    group = group_get(kind, group_id)
    known = catalog().checks
    unknown = [check_id for check_id in checks if check_id not in known]
    if unknown:
        raise ApplicationError(
            "unknown_checks",
            f"These checks are not in the catalog: {', '.join(unknown)}.",
            details={"checks": unknown},
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    command_type, id_field = _SELECT[kind]
    selected = list(dict.fromkeys(checks))
    payload = {id_field: str(group.id), "checks": selected}
    return dispatch(build(command_type, payload, actor=actor, command_id=command_id))


def selected_checks(kind: str, group_id: UUID) -> list[str]:
    """The selection as the cluster's or host's aggregate holds it: a selection just made counts even
    before the read model shows it."""
    command_type, _ = _SELECT[kind]
    return list(load(aggregate_for(command_type), f"{kind}-{group_id}").selected_checks)


def execution_request(*, kind: str, group_id: UUID, actor: str) -> Execution:
    """Run the selected checks on the group's agents now (``no_checks_selected`` without a selection,
    ``already_running`` while one runs)."""
    group = group_get(kind, group_id)
    selected = selected_checks(kind, group.pk)
    if not selected:
        raise ApplicationError(
            "no_checks_selected",
            f"Select checks for this {kind} first.",
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    targets, env = execution_plan(kind, group, selected)
    return checks_services.execution_start(
        group_id=group.id, targets=targets, target_type=kind, env=env, started_by=actor
    )


def executions_request_all() -> int:
    """The scheduler's run (every ``CHECKS_INTERVAL``): every checkable cluster and host with a selection.

    A group whose last execution still runs, or whose selection no longer applies, is skipped and
    logged; the others still run. Returns how many started.
    """
    clusters = Cluster.objects.filter(type__in=CHECKABLE_CLUSTER_TYPES)
    groups = [(CLUSTER, c) for c in clusters.filter(deregistered_at__isnull=True).exclude(selected_checks=[])]
    groups += [(HOST, h) for h in Host.objects.filter(deregistered_at__isnull=True).exclude(selected_checks=[])]
    started = 0
    for kind, group in groups:
        try:
            execution_request(kind=kind, group_id=group.id, actor="scheduler")
            started += 1
        except ApplicationError as error:
            logger.info("scheduled checks for %s %s not started: %s", kind, group.id, error.message)
    return started


def execution_plan(
    kind: str, group: Cluster | Host, selected: Sequence[str] = ()
) -> tuple[list[Target], dict[str, Any]]:
    """The agents an execution of the ``selected`` checks runs on, with their attributes, and the env the
    checks are chosen by."""
    if kind == HOST:
        env = {"arch": group.arch, "provider": group.provider}
        return [Target(str(group.id), list(selected), {})], env
    details = group.details or {}
    env: dict[str, Any] = {"cluster_type": group.type, "provider": group.provider}
    hosts = Host.objects.filter(cluster_id=group.id, deregistered_at__isnull=True)
    if group.type == "ascs_ers":
        sids = [system.get("sid") for system in details.get("sap_systems") or []]
        instances = ApplicationInstance.objects.filter(host_id__in=hosts.values("id"), sid__in=sids)
        hosts = hosts.filter(id__in=instances.values("host_id"))
        env["ensa_version"] = _ensa_version(instances.values_list("sap_system_id", flat=True))
        env["filesystem_type"] = _filesystem_type(details.get("sap_systems") or [])
    else:
        env["architecture_type"] = "angi" if details.get("architecture_type") == "angi" else "classic"
        if group.type == "hana_scale_up":
            env["hana_scenario"] = details.get("hana_scenario") or "unknown"
    majority_makers = {n.get("name") for n in details.get("nodes") or [] if n.get("is_majority_maker")}
    targets = [
        Target(str(host.id), list(selected), _attributes(host, majority_makers, group.type))
        for host in hosts.order_by("hostname")
    ]
    return targets, env


def _attributes(host: Host, majority_makers: set[str], cluster_type: str) -> dict[str, Any]:
    return {"is_majority_maker": host.hostname in majority_makers} if cluster_type == "hana_scale_out" else {}


def _ensa_version(sap_system_ids: Sequence[UUID]) -> str:
    versions = set(
        SapSystem.objects.filter(id__in=list(sap_system_ids), deregistered_at__isnull=True).values_list(
            "ensa_version", flat=True
        )
    )
    return versions.pop() if len(versions) == 1 else "mixed_versions"


def _filesystem_type(sap_systems: list[dict[str, Any]]) -> str:
    kinds = {system.get("filesystem_resource_based") for system in sap_systems}
    return {frozenset({True}): "resource_managed", frozenset({False}): "simple_mount"}.get(
        frozenset(kinds), "mixed_fs_types"
    )


def applicable_checks(kind: str, group: Cluster | Host) -> list[Check]:
    """The catalog checks that apply to this cluster or host as it is now (what the picker offers)."""
    env = execution_env(execution_plan(kind, group)[1], kind)
    return [check for check in catalog().checks.values() if is_applicable(check, env)]


def last_execution(group_id: UUID) -> Execution | None:
    return Execution.objects.filter(group_id=group_id).order_by("-started_at").first()
