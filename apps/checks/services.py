"""Checks executions: start, facts gathering by agents, evaluation, timeouts, schedules, customizations.

An execution follows wanda's life cycle (spec §5): the start selects the applicable checks and
writes one facts request per agent; agents fetch their requests over HTTP and post what they
gathered; once every agent has answered, or at the timeout, a Celery task evaluates the execution
with the engine and stores the result. The start and the completion are recorded in the event
store (``ChecksExecutionStarted``/``ChecksExecutionCompleted``) so contracts can react to them.

Concurrency: a partial unique index keeps one running execution per group; facts submissions and
the completion lock the execution's row, so the last agent to answer always sees the others'
answers and a late answer never lands in a completed execution.
"""

import logging
import re
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import status

from apps.checks.catalog import catalog, check_get
from apps.checks.engine import (
    Check,
    Exclusion,
    ExecutionResult,
    FactError,
    NoChecksSelected,
    Target,
    evaluate_execution,
    exclusions,
    execution_env,
    facts_from_message,
    is_applicable,
    load_check_file,
    plan_execution,
    validate_customization,
)
from apps.checks.engine import CustomizationErrorCode as Code
from apps.checks.models import Customization, Execution, FactsRequest, ScheduledSelection
from apps.core.api import ApplicationError
from apps.eventstore import store
from apps.eventstore.store import Causation, NewEvent
from apps.hub.models import ApiKey
from apps.hub.services import agent_key_authenticate

logger = logging.getLogger(__name__)

STARTED = "ChecksExecutionStarted"
COMPLETED = "ChecksExecutionCompleted"


def stream_for(execution_id: UUID) -> str:
    return f"checks-execution-{execution_id}"


# --- Starting ---------------------------------------------------------------------------------


def execution_start(
    *,
    group_id: UUID,
    targets: Sequence[Target],
    target_type: str | None,
    env: Mapping[str, Any],
    execution_id: UUID | None = None,
    started_by: str = "",
) -> Execution:
    """Select the applicable checks, ask every target's agent for its facts, and record the start.

    Raises ``no_checks_selected`` (422) when no requested check exists and applies, and
    ``already_running`` (422, as wanda answers) while the group has a running execution.
    """
    try:
        plan = plan_execution(catalog(), targets, env, target_type)
    except NoChecksSelected:
        raise ApplicationError(
            "no_checks_selected",
            "None of the requested checks exists in the catalog and applies to this env.",
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        ) from None
    execution_id = execution_id or uuid.uuid4()
    if Execution.objects.filter(pk=execution_id).exists():
        raise ApplicationError(
            "execution_exists", f"An execution {execution_id} already exists.", status_code=status.HTTP_409_CONFLICT
        )
    now = timezone.now()
    targets_data = [
        {"agent_id": target.agent_id, "checks": target.checks, "attributes": dict(target.attributes)}
        for target in plan.targets
    ]
    execution = Execution(
        id=execution_id,
        group_id=group_id,
        target_type=target_type or "",
        env=plan.env,
        targets=targets_data,
        checks=[check.id for check in plan.checks],
        excluded=[asdict(exclusion) for exclusion in plan.excluded],
        timeout_at=now + timedelta(seconds=settings.CHECKS_EXECUTION_TIMEOUT_SECONDS),
        started_by=started_by,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                execution.save(force_insert=True)
        except IntegrityError:
            raise _already_running(group_id) from None
        FactsRequest.objects.bulk_create(
            FactsRequest(
                execution=execution,
                agent_id=request.agent_id,
                fact_requests=[asdict(fact) for fact in request.fact_requests],
            )
            for request in plan.gathering
        )
        data = {
            "execution_id": str(execution.pk),
            "group_id": str(group_id),
            "targets": [{"agent_id": t["agent_id"], "checks": t["checks"]} for t in targets_data],
            "target_type": execution.target_type,
        }
        store.append(
            stream_for(execution.pk),
            [NewEvent(STARTED, data)],
            expected_version=0,
            causation=Causation(correlation_id=execution.pk, actor=started_by),
        )
        if plan.gathering:
            _complete_on_commit(execution.pk, countdown=settings.CHECKS_EXECUTION_TIMEOUT_SECONDS)
        else:
            # Every check is excluded on every target: nothing to gather, the result is known now.
            execution_complete(execution_id=execution.pk)
    execution.refresh_from_db()
    return execution


def _already_running(group_id: UUID) -> ApplicationError:
    return ApplicationError(
        "already_running",
        f"Group {group_id} already has a running execution; start another when it has completed.",
        status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


def _complete_on_commit(execution_id: UUID, countdown: float = 0) -> None:
    from apps.checks.tasks import complete_execution_task

    def send() -> None:
        complete_execution_task.apply_async(kwargs={"execution_id": str(execution_id)}, countdown=countdown)

    transaction.on_commit(send, robust=True)


def targets_from(data: Sequence[Mapping[str, Any]]) -> list[Target]:
    """Targets from validated input: ``[{agent_id, checks, attributes?}]``."""
    return [Target(str(t["agent_id"]), list(t["checks"]), dict(t.get("attributes") or {})) for t in data]


# --- Agents -----------------------------------------------------------------------------------


def agent_authenticate(*, key: str | None) -> ApiKey:
    api_key = agent_key_authenticate(key) if key else None
    if api_key is None:
        raise ApplicationError(
            "not_authenticated",
            "Send an active API key of the Agents system in the X-API-Key (or X-Trento-Apikey) header.",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    return api_key


def facts_requests_pending(*, agent_id: UUID) -> list[FactsRequest]:
    return list(
        FactsRequest.objects.select_related("execution")
        .filter(agent_id=agent_id, status=FactsRequest.Status.PENDING, execution__status=Execution.Status.RUNNING)
        .order_by("created_at")
    )


def facts_submit(*, agent_id: UUID, execution_id: UUID, facts_gathered: list[dict[str, Any]]) -> FactsRequest:
    """Store an agent's answer; the last answer of an execution sends it to evaluation.

    ``facts_gathered`` is wanda's ``FactsGathered.facts_gathered``: ``{check_id, name, value}`` or
    ``{check_id, name, error_value: {type, message}}`` items.
    """
    with transaction.atomic():
        execution = Execution.objects.select_for_update().filter(pk=execution_id).first()
        request = None
        if execution is not None:
            request = FactsRequest.objects.filter(execution=execution, agent_id=agent_id).first()
        if request is None:
            raise ApplicationError(
                "no_facts_request",
                f"Agent {agent_id} was not asked for facts in execution {execution_id}.",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        if execution.status != Execution.Status.RUNNING or request.status != FactsRequest.Status.PENDING:
            raise ApplicationError(
                "not_pending",
                f"The facts request is {request.get_status_display().lower()} and the execution "
                f"{execution.get_status_display().lower()}: the facts are not used.",
                status_code=status.HTTP_409_CONFLICT,
            )
        request.status, request.gathered, request.answered_at = (
            FactsRequest.Status.ANSWERED,
            facts_gathered,
            timezone.now(),
        )
        request.save(update_fields=["status", "gathered", "answered_at"])
        if not execution.facts_requests.filter(status=FactsRequest.Status.PENDING).exists():
            _complete_on_commit(execution.pk)
    return request


# --- Completing -------------------------------------------------------------------------------


def execution_complete(*, execution_id: UUID) -> Execution | None:
    """Evaluate a running execution whose agents have all answered, or whose timeout has passed.

    Agents still pending are marked timed out. Returns the completed execution, or ``None`` when
    there is nothing to do yet (or any more): it is safe to call at any time, any number of times.
    """
    with transaction.atomic():
        execution = Execution.objects.select_for_update().filter(pk=execution_id, status="running").first()
        if execution is None:
            return None
        requests = list(execution.facts_requests.all())
        pending = [r for r in requests if r.status == FactsRequest.Status.PENDING]
        now = timezone.now()
        if pending and now < execution.timeout_at:
            return None
        if pending:
            FactsRequest.objects.filter(pk__in=[r.pk for r in pending]).update(status=FactsRequest.Status.TIMED_OUT)
        result = _evaluate(execution, requests, timed_out=[str(r.agent_id) for r in pending])
        execution.status, execution.completed_at = Execution.Status.COMPLETED, now
        execution.result, execution.result_data = result.result.value, result_json(result)
        execution.save(update_fields=["status", "completed_at", "result", "result_data"])
        data = {
            "execution_id": str(execution.pk),
            "group_id": str(execution.group_id),
            "result": execution.result,
            "target_type": execution.target_type,
            "timeout": result.timeout,
            **{f"{r}_count": execution.count(r) for r in Execution.Result.values},
        }
        started = store.read_stream(stream_for(execution.pk), limit=1)
        store.append(
            stream_for(execution.pk),
            [NewEvent(COMPLETED, data)],
            causation=Causation(
                correlation_id=execution.pk,
                cause_id=started[0].event_id if started else None,
                actor=execution.started_by,
            ),
        )
    return execution


def _evaluate(execution: Execution, requests: list[FactsRequest], timed_out: list[str]) -> ExecutionResult:
    # A check removed from the catalog since the start cannot be evaluated any more; it is left out.
    checks = [check for check in map(check_get, execution.checks) if check is not None]
    gathered = {str(r.agent_id): facts_from_message(r.gathered or []) for r in requests if r.gathered is not None}
    return evaluate_execution(
        str(execution.pk),
        str(execution.group_id),
        checks,
        targets_from(execution.targets),
        gathered,
        execution.env,
        customizations=group_customizations(group_id=execution.group_id, check_ids=execution.checks),
        timed_out=timed_out,
        excluded=[Exclusion(**exclusion) for exclusion in execution.excluded],
    )


def result_json(result: ExecutionResult) -> dict[str, Any]:
    """The result as JSON, ``failure_message: null`` keys left out as wanda's API does."""
    return _strip_null_messages(asdict(result))


def _strip_null_messages(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_null_messages(v) for k, v in value.items() if not (k == "failure_message" and v is None)}
    if isinstance(value, list):
        return [_strip_null_messages(v) for v in value]
    return value


def executions_sweep() -> int:
    """Complete the running executions whose timeout has passed (in case a countdown was lost)."""
    due = Execution.objects.filter(status=Execution.Status.RUNNING, timeout_at__lte=timezone.now())
    completed = 0
    for execution_id in due.values_list("pk", flat=True):
        completed += execution_complete(execution_id=execution_id) is not None
    return completed


# --- Schedules --------------------------------------------------------------------------------


def schedules_run() -> int:
    """Start an execution for every active scheduled selection that is due; return how many started."""
    now = timezone.now()
    due = ScheduledSelection.objects.filter(is_active=True).filter(
        Q(next_run_at__isnull=True) | Q(next_run_at__lte=now)
    )
    started = 0
    for selection in due:
        # Claim the run: only the process whose update matched starts it.
        claimed = ScheduledSelection.objects.filter(pk=selection.pk, next_run_at=selection.next_run_at).update(
            next_run_at=now + timedelta(minutes=selection.interval_minutes), last_run_at=now
        )
        if claimed:
            started += schedule_start(selection=selection)
    return started


def schedule_start(*, selection: ScheduledSelection) -> bool:
    targets = [
        Target(str(t["agent_id"]), list(selection.checks), dict(t.get("attributes") or {})) for t in selection.targets
    ]
    try:
        execution = execution_start(
            group_id=selection.group_id,
            targets=targets,
            target_type=selection.target_type or None,
            env=selection.env,
            started_by=f"schedule {selection.name}",
        )
    except ApplicationError as error:
        logger.warning("scheduled checks %r not started: %s", selection.name, error.message)
        ScheduledSelection.objects.filter(pk=selection.pk).update(last_error=error.message)
        return False
    ScheduledSelection.objects.filter(pk=selection.pk).update(last_execution=execution, last_error="")
    return True


# --- Customizations ---------------------------------------------------------------------------


def group_customizations(*, group_id: UUID, check_ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    rows = Customization.objects.filter(group_id=group_id)
    if check_ids is not None:
        rows = rows.filter(check_id__in=check_ids)
    return {row.check_id: row.values for row in rows}


def check_require(check_id: str) -> Check:
    check = check_get(check_id)
    if check is None:
        raise ApplicationError(
            "check_not_found", f"No check {check_id!r} in the catalog.", status_code=status.HTTP_404_NOT_FOUND
        )
    return check


def customization_apply(*, group_id: UUID, check_id: str, values: object) -> Customization:
    """Store a group's custom values for a check (``[{name, value}]``), after the spec's validation."""
    check = check_require(check_id)
    errors = validate_customization(check, values)
    if errors:
        forbidden = errors[0].code is Code.CHECK_NOT_CUSTOMIZABLE
        raise ApplicationError(
            errors[0].code.value if forbidden else "invalid_custom_values",
            errors[0].message if forbidden else "Some custom values cannot be applied.",
            details=[{"code": e.code.value, "name": e.name, "message": e.message} for e in errors],
            status_code=status.HTTP_403_FORBIDDEN if forbidden else status.HTTP_400_BAD_REQUEST,
        )
    custom = {item["name"]: item["value"] for item in values}  # type: ignore[union-attr]
    customization, _ = Customization.objects.update_or_create(
        group_id=group_id, check_id=check_id, defaults={"values": custom}
    )
    return customization


def customization_reset(*, group_id: UUID, check_id: str) -> None:
    deleted, _ = Customization.objects.filter(group_id=group_id, check_id=check_id).delete()
    if not deleted:
        raise ApplicationError(
            "customization_not_found",
            f"Group {group_id} has no customization of {check_id}.",
            status_code=status.HTTP_404_NOT_FOUND,
        )


# --- Playground -------------------------------------------------------------------------------


def check_from_yaml(text: str) -> Check:
    """A check written as YAML text, validated as the catalog loader does; 422 with every problem.
    A Rhai syntax error is no such problem: it shows in the result, as a ``parsing`` error."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _invalid_check([{"field": "", "message": f"cannot read YAML: {error}"}]) from None
    check_id = data.get("id") if isinstance(data, dict) else None
    name = check_id if isinstance(check_id, str) and re.fullmatch(r"[\w.-]+", check_id) else "check"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        check, problems = load_check_file(path)
    if check is None:
        raise _invalid_check([{"field": problem.field, "message": problem.message} for problem in problems])
    return check


def _invalid_check(details: list[dict[str, Any]]) -> ApplicationError:
    return ApplicationError(
        "invalid_check",
        "; ".join(f"{d['field'] or 'file'}: {d['message']}" for d in details),
        details=details,
        status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


def playground_evaluate(
    *,
    check: Check,
    env: Mapping[str, Any],
    target_type: str | None,
    agents: Mapping[str, Mapping[str, Any]],
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
    custom_values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate one check as an execution would, on facts given per agent (fact name → value, or
    ``{"error_value": {type, message}}`` for a gathering error), without agents or storage."""
    attributes = attributes or {}
    full_env = execution_env(env, target_type)
    gathered = {agent: {check.id: {n: _fact(v) for n, v in facts.items()}} for agent, facts in agents.items()}
    targets = [Target(agent, [check.id], attributes.get(agent, {})) for agent in agents]
    result = evaluate_execution(
        "playground",
        "playground",
        [check],
        targets,
        gathered,
        full_env,
        customizations={check.id: dict(custom_values)} if custom_values else None,
        excluded=exclusions([check], targets),
    )
    return {"check_id": check.id, "applicable": is_applicable(check, full_env), "env": full_env, **result_json(result)}


def _fact(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"error_value"} and isinstance(value["error_value"], dict):
        error = value["error_value"]
        return FactError(str(error.get("type", "error")), str(error.get("message", "")))
    return value
