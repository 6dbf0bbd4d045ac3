"""Executing contracts: routing events to executions, claiming tries, recording them, replaying.

The database is the queue of record: an execution is due when its ``next_attempt_at`` has passed.
The delivery engine (``apps.delivery.engine``) claims due executions in batches (a conditional
UPDATE: one worker per try), records their tries before the requests go out, and records many
outcomes in one transaction after the answers come in; no transaction is held open while waiting
on the network. A try whose worker died is taken back when its lease expires.
"""

import json
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from uuid import UUID, uuid4

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.core.http import HttpResult
from apps.delivery.models import Endpoint, Execution, ReplayJob, Try
from apps.eventstore import store
from apps.eventstore.store import Causation, NewEvent, RecordedEvent
from apps.hub import outbound, templating
from apps.hub.models import Action, Contract, EventType

logger = logging.getLogger(__name__)

BODY_LIMIT = 64 * 1024
RETRYABLE_STATUSES = {408, 429}
DUE_STATES = (Execution.State.PENDING, Execution.State.FAILED)
ROUTER = "delivery.router"


# --- Routing -------------------------------------------------------------------------------


def contracts_for(event_type: str) -> list[Contract]:
    return list(
        Contract.objects.select_related("action", "event_type")
        .filter(
            event_type__identifier=event_type,
            is_active=True,
            event_type__is_active=True,
            action__is_active=True,
            action__deleted_at__isnull=True,
        )
        .order_by("pk")
    )


def executions_route(events: Sequence[RecordedEvent]) -> list[Execution]:
    """One execution per event and matching contract (never two for the same pair); the engine sends them.

    A condition that cannot be evaluated on an event fails its own execution at once, with the
    reason, and never stops the router. An event that chained actions (or their outcomes) led to
    carries its depth; past ``DELIVERY_MAX_CHAIN_DEPTH`` its executions are recorded as errors and
    not sent, which stops contracts that trigger each other in a loop.
    """
    contracts = {event_type: contracts_for(event_type) for event_type in {event.type for event in events}}
    events = [event for event in events if contracts[event.type]]
    if not events:
        return []
    existing = set(
        Execution.objects.filter(event_id__in=[event.event_id for event in events]).values_list(
            "event_id", "contract_id"
        )
    )
    executions = [
        execution
        for event in events
        for execution in _executions_for(
            event, [c for c in contracts[event.type] if (event.event_id, c.pk) not in existing]
        )
    ]
    Execution.objects.bulk_create(executions)
    # A loop that reached its depth stays quiet: an outcome event would feed the loop again.
    _record_outcomes(
        [
            execution
            for execution in executions
            if execution.state == Execution.State.ERROR and execution.chain_depth <= settings.DELIVERY_MAX_CHAIN_DEPTH
        ]
    )
    return executions


def _executions_for(event: RecordedEvent, contracts: list[Contract]) -> list[Execution]:
    context = outbound.event_context(event)
    chain_depth = event.data.get("chain", {}).get("depth", 0) if isinstance(event.data, dict) else 0
    executions = []
    for contract in contracts:
        error = key = ""
        if chain_depth > settings.DELIVERY_MAX_CHAIN_DEPTH:
            error = _chain_too_deep()
        elif contract.condition:
            try:
                if not templating.matches(contract.condition, context):
                    continue
            except templating.TemplateError as exc:
                error = f"The contract's condition could not be checked on this event: {exc.message}."
        if not error and contract.action.ordering_key:
            try:
                key = ordering_key(contract.action.ordering_key, context)
            except templating.TemplateError as exc:
                error = f"The action's ordering key could not be read from this event: {exc.message}."
        executions.append(
            Execution(
                event_id=event.event_id,
                event_type=event.type,
                correlation_id=event.correlation_id,
                contract=contract,
                action=contract.action,
                chain_depth=chain_depth,
                event_position=event.position,
                ordering_key=key,
                next_attempt_at=event.recorded_at,
                state=Execution.State.ERROR if error else Execution.State.PENDING,
                last_error=error,
            )
        )
    return executions


def ordering_key(expression: str, context: dict) -> str:
    """The event's value for an ordering key, as text ("" when the event has none: those share one line)."""
    value = templating.find(expression, context)
    if value is templating.MISSING or value is None:
        return ""
    return (value if isinstance(value, str) else json.dumps(value, sort_keys=True))[:200]


def _chain_too_deep() -> str:
    return (
        f"Not run: the chain reached its maximum depth of {settings.DELIVERY_MAX_CHAIN_DEPTH} "
        "(contracts that trigger each other in a loop?)."
    )


def executions_route_new() -> tuple[set[int], bool]:
    """Route the events recorded since the router's cursor. The ids of actions given new executions,
    and whether events are left to route (a batch was full, or an older transaction is still open)."""
    from apps.eventstore.subscriptions import behind, run_subscription

    started = timezone.now()
    routed = run_subscription(ROUTER)
    return (actions_with_new_work(since=started) if routed else set()), behind(ROUTER)


def actions_with_new_work(*, since: datetime) -> set[int]:
    created = Execution.objects.filter(created_at__gte=since, state=Execution.State.PENDING)
    return set(created.values_list("action_id", flat=True).distinct())


def actions_with_due_work() -> set[int]:
    due = Execution.objects.filter(state__in=DUE_STATES, next_attempt_at__lte=timezone.now())
    return set(due.values_list("action_id", flat=True).distinct())


# --- Endpoints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointView:
    """What the engine needs to know of an action before it claims its executions."""

    max_in_flight: int
    disabled: bool
    open_until: datetime | None


def endpoint_views(action_ids: Iterable[int]) -> dict[int, EndpointView]:
    rows = Action.objects.filter(pk__in=list(action_ids)).values_list(
        "pk", "max_in_flight", "disabled_at", "is_active", "deleted_at", "endpoint__open_until"
    )
    return {
        pk: EndpointView(limit, disabled_at is not None or not active or deleted_at is not None, open_until)
        for pk, limit, disabled_at, active, deleted_at, open_until in rows
    }


def _endpoints_record(done: Sequence["Done"], now: datetime) -> None:
    """Move each endpoint's breaker and failure clock by the answers of this batch, in order."""
    actions = {item.claim.action.pk: item.claim.action for item in done}
    endpoints = {e.pk: e for e in Endpoint.objects.select_for_update().filter(action_id__in=actions)}
    changed: dict[int, Endpoint] = {}
    disable: dict[int, str] = {}
    for item in done:
        if item.result is None:  # no request went out (template, credentials): not the endpoint's doing
            continue
        action = item.claim.action
        endpoint = endpoints.get(action.pk) or endpoints.setdefault(action.pk, Endpoint(action=action))
        changed[action.pk] = endpoint
        if item.outcome == Try.Outcome.SUCCESS:
            endpoint.consecutive_failures, endpoint.failing_since, endpoint.open_until = 0, None, None
            endpoint.last_success_at = now
            continue
        endpoint.failing_since = endpoint.failing_since or now
        endpoint.last_error = item.error[:2000]
        if item.result.status == 410:
            disable[action.pk] = f"{action.system.name} answered 410 Gone: the endpoint no longer exists."
        elif now - endpoint.failing_since >= timedelta(seconds=settings.DELIVERY_DISABLE_AFTER_SECONDS):
            hours = settings.DELIVERY_DISABLE_AFTER_SECONDS / 3600
            disable[action.pk] = f"Every delivery has failed for {hours:g} hours (last: {endpoint.last_error})."
        if item.outcome == Try.Outcome.TRANSIENT:
            endpoint.consecutive_failures += 1
            beyond = endpoint.consecutive_failures - settings.DELIVERY_BREAKER_FAILURES
            if beyond >= 0:
                pause = settings.DELIVERY_BREAKER_SECONDS * 2 ** min(beyond, 16)
                endpoint.open_until = now + timedelta(seconds=min(pause, settings.DELIVERY_BREAKER_MAX_SECONDS))
    for endpoint in changed.values():
        endpoint.save()
    for action_id, reason in disable.items():
        action_disable(actions[action_id], reason=reason)


def action_disable(action: Action, *, reason: str) -> None:
    """Stop delivering to an action (its executions wait) and record ``ActionDisabled``."""
    now = timezone.now()
    if not Action.objects.filter(pk=action.pk, disabled_at__isnull=True).update(
        disabled_at=now, disabled_reason=reason[:500], updated_at=now
    ):
        return
    logger.warning("Action %s disabled: %s", action.identifier, reason)
    _record_action_event("ActionDisabled", action, reason=reason)


def action_enable(action: Action) -> None:
    """Deliver to a disabled action again: its waiting executions go out, its breaker starts closed."""
    now = timezone.now()
    with transaction.atomic():
        if not Action.objects.filter(pk=action.pk, disabled_at__isnull=False).update(
            disabled_at=None, disabled_reason="", updated_at=now
        ):
            return
        Endpoint.objects.filter(action=action).update(consecutive_failures=0, failing_since=None, open_until=None)
        _record_action_event("ActionEnabled", action)


def _record_action_event(event_type: str, action: Action, **data: str) -> None:
    payload = {"action": action.identifier, "name": action.name, "system": action.system.identifier, **data}
    store.append(f"action-{action.pk}", [NewEvent(event_type, payload)], causation=Causation(uuid4(), None, "junction"))


# --- Claiming and recording tries -----------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A try taken by this worker: recorded as "sending" before its request goes out."""

    execution: Execution
    attempt: Try
    event: RecordedEvent | None  # None if the event is no longer in the store
    action: Action


@dataclass(frozen=True)
class Done:
    """A finished try, waiting to be recorded with others."""

    claim: Claim
    outcome: str
    error: str = ""
    request: outbound.RenderedRequest | None = None
    result: HttpResult | None = None


def retry_delay(action: Action, tries_done: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter, capped; a server's Retry-After wins when it asks for longer."""
    delay = min(action.retry_max_seconds, action.retry_base_seconds * 2 ** (tries_done - 1))
    delay *= random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, action.retry_max_seconds))
    return round(delay, 3)


def classify(result: HttpResult) -> str:
    if result.ok:
        return Try.Outcome.SUCCESS
    if result.status is None:
        return Try.Outcome.PERMANENT if result.error.startswith("blocked:") else Try.Outcome.TRANSIENT
    if result.status in RETRYABLE_STATUSES or result.status >= 500:
        return Try.Outcome.TRANSIENT
    return Try.Outcome.PERMANENT


def executions_claim(wanted: dict[int, int]) -> list[Claim]:
    """Take up to ``wanted[action_id]`` due executions of each action and record their tries."""
    now = timezone.now()
    actions = Action.objects.select_related("system", "response_event_type__system").in_bulk(wanted)
    with transaction.atomic():
        ids: list[UUID] = []
        for action_id, count in wanted.items():
            due = Execution.objects.select_for_update(skip_locked=True).filter(
                action_id=action_id, state__in=DUE_STATES, next_attempt_at__lte=now
            )
            if actions[action_id].ordering_key:
                due = due.exclude(Exists(_earlier_unfinished())).order_by("event_position")
            else:
                due = due.order_by("next_attempt_at")
            ids += due.values_list("pk", flat=True)[:count]
        if not ids:
            return []
        Execution.objects.filter(pk__in=ids).update(
            state=Execution.State.PROCESSING, claimed_at=now, tries_count=F("tries_count") + 1, updated_at=now
        )
        executions = list(Execution.objects.filter(pk__in=ids).select_related("contract"))
        for execution in executions:
            execution.action = actions[execution.action_id]
        attempts = Try.objects.bulk_create([Try(execution=e, number=e.tries_count, started_at=now) for e in executions])
    events = store.events_by_id(list({e.event_id for e in executions}))
    return [
        Claim(execution, attempt, events.get(execution.event_id), execution.action)
        for execution, attempt in zip(executions, attempts, strict=True)
    ]


def _earlier_unfinished() -> QuerySet:
    """For an action that keeps deliveries in order: an unfinished execution of the same key before this one
    (pending, waiting for a retry or in flight) holds it back."""
    return Execution.objects.filter(
        action_id=OuterRef("action_id"),
        ordering_key=OuterRef("ordering_key"),
        event_position__lt=OuterRef("event_position"),
        state__in=[*DUE_STATES, Execution.State.PROCESSING],
    )


def tries_complete(done: Sequence[Done]) -> None:
    """Record finished tries, their executions' new states and outcome events, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        attempts = [_filled(item) for item in done]
        _record_outcomes([item.claim.execution for item in done if _settle(item, now)])
        _rows_update(
            attempts,
            ["outcome", "duration_ms", "request_method", "request_url", "request_headers", "request_body",
             "response_status", "response_headers", "response_body", "response_truncated", "error"],
        )  # fmt: skip
        _rows_update(
            [item.claim.execution for item in done],
            ["state", "last_error", "next_attempt_at", "claimed_at", "completed_at", "updated_at"],
        )
        _endpoints_record(done, now)


def _rows_update(objects: Sequence[Model], fields: list[str]) -> None:
    """``bulk_update`` as one UPDATE statement run for every row (psycopg sends them in a pipeline):
    Django's ``bulk_update`` builds a CASE WHEN per field and row, costing more CPU than the database
    spends on the rows."""
    if not objects:
        return
    meta, quote = objects[0]._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [meta.pk.get_db_prep_value(obj.pk, connection)]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _filled(item: Done) -> Try:
    """The try as it is stored. What a subscriber sent back is kept as text that every database takes
    (PostgreSQL refuses NUL characters): one odd answer must not stop recording all the others."""
    attempt, result = item.claim.attempt, item.result
    shown = item.request.for_display(BODY_LIMIT) if item.request else {}
    attempt.outcome = item.outcome
    attempt.request_method = shown.get("method", "")
    attempt.request_url = _storable(shown.get("url", ""))
    attempt.request_headers = {k: _storable(v) for k, v in shown.get("headers", {}).items()}
    attempt.request_body = _storable(shown.get("body", ""))
    refused = result is not None and not result.ok
    error = item.error or (answered(result.status, item.claim.action.system.name) if refused else "")
    attempt.error = _storable(error)
    if result is not None:
        attempt.duration_ms = result.duration_ms
        attempt.response_status = result.status
        attempt.response_headers = {_storable(k): _storable(v) for k, v in result.headers.items()}
        attempt.response_body = _storable(result.text())
        attempt.response_truncated = result.body_truncated
    return attempt


def answered(status: int, system: str) -> str:
    """A refusing answer in plain words: "ERP answered 503 Service Unavailable."."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "(a status HTTP does not define)"
    return f"{system} answered {status} {phrase}."


def _storable(text: str) -> str:
    return text.replace("\x00", "\ufffd")


def _settle(item: Done, now: datetime) -> bool:
    """Move the execution to its state after this try; whether that state is final."""
    execution, event, action = item.claim.execution, item.claim.event, item.claim.action
    error = item.claim.attempt.error
    execution.claimed_at, execution.updated_at = None, now
    if item.outcome == Try.Outcome.SUCCESS:
        chain_error = _chain(execution, action, event, item.result)
        execution.state = Execution.State.ERROR if chain_error else Execution.State.COMPLETED
        execution.last_error, execution.completed_at = chain_error, now
        return True
    if item.outcome == Try.Outcome.TRANSIENT and execution.tries_count < action.max_tries:
        retry_after = item.result.retry_after if item.result else None
        execution.state, execution.last_error = Execution.State.FAILED, error
        execution.next_attempt_at = now + timedelta(seconds=retry_delay(action, execution.tries_count, retry_after))
        return False
    if item.outcome != Try.Outcome.PERMANENT:
        error = f"Gave up after {execution.tries_count} tries: {error}"
    execution.state, execution.last_error = Execution.State.ERROR, error
    return True


def _record_outcomes(executions: Sequence[Execution]) -> None:
    """ExecutionCompleted / ExecutionFailed of executions that reached their final state, each caused
    by the received event, in its correlation."""
    store.append_many([_outcome(execution) for execution in executions])


def _outcome(execution: Execution) -> tuple[str, list[NewEvent], Causation]:
    data = {
        "execution_id": str(execution.pk),
        "event_id": str(execution.event_id),
        "event_type": execution.event_type,
        "contract": execution.contract.identifier,
        "action": execution.action.identifier,
        "tries": execution.tries_count,
        # A contract on outcomes starts a chain link too (an error workflow must not loop forever).
        "chain": {"depth": execution.chain_depth + 1, "execution_id": str(execution.pk)},
    }
    if execution.state == Execution.State.COMPLETED:
        outcome = NewEvent("ExecutionCompleted", data)
    else:
        outcome = NewEvent("ExecutionFailed", {**data, "error": execution.last_error})
    causation = Causation(execution.correlation_id, execution.event_id, f"contract {execution.contract.identifier}")
    return f"execution-{execution.pk}", [outcome], causation


def _chain(execution: Execution, action: Action, event: RecordedEvent, result: HttpResult) -> str:
    """Turn the response into the action's response event, if it declares one; return an error or ''."""
    event_type: EventType | None = action.response_event_type
    if event_type is None:
        return ""
    depth = execution.chain_depth + 1
    if depth > settings.DELIVERY_MAX_CHAIN_DEPTH:
        return f"The response was not turned into {event_type.identifier!r}. {_chain_too_deep()}"
    try:
        body = json.loads(result.body) if result.body else None
    except ValueError:
        body = result.text()
    chained_id = uuid4()
    data = {
        "system": event_type.system.identifier,
        "body": body,
        "headers": {k.lower(): v for k, v in result.headers.items()},
        "query": {},
        "chain": {"depth": depth, "execution_id": str(execution.pk)},
    }
    store.append(
        f"received-{chained_id}",
        [NewEvent(event_type.identifier, data, chained_id)],
        expected_version=0,
        causation=Causation(event.correlation_id, execution.pk, f"contract {execution.contract.identifier}"),
    )
    return ""


# --- Replay and lost tries -------------------------------------------------------------------


def execution_replay(*, execution: Execution) -> bool:
    """Try an execution again now (a new try with the same idempotency key). False if it is running."""
    return bool(
        Execution.objects.filter(pk=execution.pk)
        .exclude(state=Execution.State.PROCESSING)
        .update(state=Execution.State.PENDING, next_attempt_at=timezone.now(), last_error="", completed_at=None)
    )


def event_rerun(*, event_id: UUID) -> int:
    """Run every contract of a received event again: replay its executions, create missing ones."""
    events = store.events_by_id([event_id])
    if not events:
        return 0
    (event,) = events.values()
    with transaction.atomic():
        existing = list(Execution.objects.filter(event_id=event_id))
        for execution in existing:
            execution_replay(execution=execution)
        created = executions_route([event])
    return len(existing) + len(created)


def replay_job_create(
    *,
    contract: Contract | None = None,
    action: Action | None = None,
    states: Sequence[str] = (),
    created_from: datetime | None = None,
    created_until: datetime | None = None,
    requested_by: str = "",
) -> ReplayJob:
    """Replay every execution that matches, in the background (``replay_job_run``); the job shows progress."""
    from apps.delivery.tasks import run_replay_job_task

    job = ReplayJob(
        contract=contract,
        action=action,
        states=list(states),
        created_from=created_from,
        created_until=created_until,
        requested_by=requested_by,
    )
    job.total = replay_job_executions(job).count()
    job.save()
    transaction.on_commit(lambda: run_replay_job_task.delay(job.pk))
    return job


def replay_job_executions(job: ReplayJob) -> QuerySet:
    """The executions a job replays, in the order it goes through them."""
    executions = Execution.objects.all()
    if job.contract_id:
        executions = executions.filter(contract_id=job.contract_id)
    if job.action_id:
        executions = executions.filter(action_id=job.action_id)
    if job.states:
        executions = executions.filter(state__in=job.states)
    if job.created_from:
        executions = executions.filter(created_at__gte=job.created_from)
    if job.created_until:
        executions = executions.filter(created_at__lt=job.created_until)
    return executions.order_by("created_at", "id")


def replay_job_run(job_id: int, *, chunk: int = 1000) -> None:
    """Replay a job's executions ``chunk`` at a time, one transaction each, noting where it got to, so a
    job taken up again after its worker died carries on from there."""
    job = ReplayJob.objects.get(pk=job_id)
    if job.state == ReplayJob.State.DONE:
        return
    ReplayJob.objects.filter(pk=job.pk).update(state=ReplayJob.State.RUNNING, updated_at=timezone.now())
    while True:
        with transaction.atomic():
            job = ReplayJob.objects.select_for_update().get(pk=job_id)
            executions = replay_job_executions(job)
            if job.cursor:
                after, last_id = datetime.fromisoformat(job.cursor[0]), UUID(job.cursor[1])
                executions = executions.filter(Q(created_at__gt=after) | Q(created_at=after, id__gt=last_id))
            batch = list(executions.values_list("pk", "created_at")[:chunk])
            if not batch:
                job.state, job.finished_at = ReplayJob.State.DONE, timezone.now()
                job.save(update_fields=["state", "finished_at", "updated_at"])
                return
            replayed = (
                Execution.objects.filter(pk__in=[pk for pk, _ in batch])
                .exclude(state=Execution.State.PROCESSING)
                .update(
                    state=Execution.State.PENDING,
                    next_attempt_at=timezone.now(),
                    last_error="",
                    completed_at=None,
                    updated_at=timezone.now(),
                )
            )
            job.replayed += replayed
            job.skipped += len(batch) - replayed
            job.cursor = [batch[-1][1].isoformat(), str(batch[-1][0])]
            job.save(update_fields=["replayed", "skipped", "cursor", "state", "updated_at"])


def replay_jobs_resume() -> int:
    """Send again the jobs that stopped moving (their worker died, or their message was lost)."""
    from apps.delivery.tasks import run_replay_job_task

    stalled = ReplayJob.objects.exclude(state=ReplayJob.State.DONE).filter(
        updated_at__lt=timezone.now() - timedelta(seconds=60)
    )
    job_ids = list(stalled.values_list("pk", flat=True))
    for job_id in job_ids:
        run_replay_job_task.delay(job_id)
    return len(job_ids)


def leases_renew(execution_ids: Sequence[UUID]) -> None:
    """The worker holding these tries is alive: their leases start again."""
    Execution.objects.filter(pk__in=execution_ids, state=Execution.State.PROCESSING).update(claimed_at=timezone.now())


def executions_take_back() -> int:
    """Take back tries whose worker died (their lease expired): tried again, or given up at ``max_tries``.

    A worker renews the leases of its tries in flight every third of ``DELIVERY_LEASE_SECONDS``, so
    a lease that expired belongs to a worker that is gone (killed, or cut off from the database).
    """
    now = timezone.now()
    lease_expired = now - timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    lost_error = "Interrupted: the worker was lost during this try."
    with transaction.atomic():
        lost = list(
            Execution.objects.select_for_update(skip_locked=True)
            .filter(state=Execution.State.PROCESSING, claimed_at__lt=lease_expired)
            .select_related("contract", "action")
        )
        if not lost:
            return 0
        Try.objects.filter(execution__in=lost, outcome=Try.Outcome.SENDING).update(
            outcome=Try.Outcome.TRANSIENT, error=lost_error
        )
        for execution in lost:
            execution.claimed_at, execution.updated_at = None, now
            if execution.tries_count < execution.action.max_tries:
                execution.state, execution.next_attempt_at = Execution.State.FAILED, now
                execution.last_error = "The worker was lost during the last try; it is tried again."
            else:
                execution.state = Execution.State.ERROR
                execution.last_error = f"Gave up after {execution.tries_count} tries: {lost_error}"
        _record_outcomes([execution for execution in lost if execution.state == Execution.State.ERROR])
        _rows_update(lost, ["state", "next_attempt_at", "last_error", "claimed_at", "updated_at"])
    logger.warning("Took back %d tries whose worker was lost", len(lost))
    return len(lost)
