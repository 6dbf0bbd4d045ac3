"""Executing contracts: routing events to executions, trying them over HTTP, retrying, replaying.

Every try is claimed with a conditional UPDATE (only one worker can take it), recorded before the
request is sent, and completed in a short transaction after it; no transaction is held open while
waiting on the network. Retries are scheduled as countdown messages and also written to the
execution (``next_attempt_at``), so the periodic sweep re-sends any that a broker or a killed
worker lost.
"""

import json
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.http import HttpResult
from apps.delivery.models import Execution, Try
from apps.eventstore import store
from apps.eventstore.store import Causation, NewEvent, RecordedEvent
from apps.hub import outbound, templating
from apps.hub.models import Action, Contract, EventType

logger = logging.getLogger(__name__)

BODY_LIMIT = 64 * 1024
RETRYABLE_STATUSES = {408, 429}


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


def executions_create(event: RecordedEvent, contracts: list[Contract]) -> list[Execution]:
    """One execution per matching contract (never two for the same event), sent once committed.

    An event that chained actions (or their outcomes) led to carries its depth; past
    ``DELIVERY_MAX_CHAIN_DEPTH`` its executions are recorded as errors and not sent, which stops
    contracts that trigger each other in a loop.
    """
    context = outbound.event_context(event)
    chain_depth = event.data.get("chain", {}).get("depth", 0) if isinstance(event.data, dict) else 0
    matching = [c for c in contracts if not c.condition or templating.matches(c.condition, context)]
    if not matching:
        return []
    too_deep = chain_depth > settings.DELIVERY_MAX_CHAIN_DEPTH
    executions = [
        Execution(
            event_id=event.event_id,
            event_type=event.type,
            correlation_id=event.correlation_id,
            contract=contract,
            action=contract.action,
            chain_depth=chain_depth,
            next_attempt_at=event.recorded_at,
            state=Execution.State.ERROR if too_deep else Execution.State.PENDING,
            last_error=_chain_too_deep() if too_deep else "",
        )
        for contract in matching
    ]
    Execution.objects.bulk_create(executions, ignore_conflicts=True)
    created = list(
        Execution.objects.filter(event_id=event.event_id, contract__in=matching, state=Execution.State.PENDING)
    )
    for execution in created:
        enqueue_on_commit(execution.pk)
    return created


def _chain_too_deep() -> str:
    return (
        f"Not run: the chain reached its maximum depth of {settings.DELIVERY_MAX_CHAIN_DEPTH} "
        "(contracts that trigger each other in a loop?)."
    )


def enqueue_on_commit(execution_id: UUID, countdown: float = 0) -> None:
    from apps.delivery.tasks import deliver_execution_task

    def send() -> None:
        deliver_execution_task.apply_async(
            kwargs={"execution_id": str(execution_id)}, countdown=countdown, queue=settings.DELIVERY_QUEUE
        )

    transaction.on_commit(send, robust=True)


# --- One try -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TryOutcome:
    state: str
    retry_in: float | None = None


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


def execution_claim(execution_id: UUID) -> bool:
    """Take the next try of an execution if it is due and nobody has it."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = Execution.objects.filter(
        due, pk=execution_id, state__in=[Execution.State.PENDING, Execution.State.FAILED]
    ).update(state=Execution.State.PROCESSING, claimed_at=now)
    return claimed == 1


def execution_attempt(*, execution_id: UUID, task_id: str = "") -> TryOutcome | None:
    """Claim and run one try; None when there was nothing to do (done, not due, or taken)."""
    if not execution_claim(execution_id):
        return None
    execution = Execution.objects.select_related("action", "contract").get(pk=execution_id)
    (event,) = store.events_by_id([execution.event_id]).values()
    number = execution.tries_count + 1  # the claim makes this worker the only writer of the execution
    with transaction.atomic():
        attempt = Try.objects.create(execution=execution, number=number, task_id=task_id, started_at=timezone.now())
        Execution.objects.filter(pk=execution.pk).update(tries_count=number)
    execution.tries_count = number
    action = execution.action
    try:
        request = outbound.render(action, outbound.event_context(event))
        request = outbound.signed(action, outbound.authenticate(action, request), str(execution.pk))
    except templating.TemplateError as exc:
        return _finish(execution, attempt, event, None, None, Try.Outcome.PERMANENT, f"Template: {exc}")
    except outbound.AuthError as exc:
        return _finish(execution, attempt, event, None, None, Try.Outcome.TRANSIENT, str(exc))
    result = outbound.send(action, request)
    if result.status == 401 and action.auth == Action.Auth.OAUTH2:
        # The cached token may have been revoked early: get a fresh one, once.
        try:
            request = outbound.signed(action, outbound.authenticate(action, request, refresh=True), str(execution.pk))
            result = outbound.send(action, request)
        except outbound.AuthError as exc:
            return _finish(execution, attempt, event, request, result, Try.Outcome.TRANSIENT, str(exc))
    return _finish(execution, attempt, event, request, result, classify(result), result.error)


def _finish(
    execution: Execution,
    attempt: Try,
    event: RecordedEvent,
    request: outbound.RenderedRequest | None,
    result: HttpResult | None,
    outcome: str,
    error: str,
) -> TryOutcome:
    if result is not None and not result.ok and not error:
        error = f"HTTP {result.status}"
    shown = request.for_display(BODY_LIMIT) if request else {}
    attempt.outcome = outcome
    attempt.request_method = shown.get("method", "")
    attempt.request_url = shown.get("url", "")
    attempt.request_headers = shown.get("headers", {})
    attempt.request_body = shown.get("body", "")
    attempt.error = error
    if result is not None:
        attempt.duration_ms = result.duration_ms
        attempt.response_status = result.status
        attempt.response_headers = result.headers
        attempt.response_body = result.text()
        attempt.response_truncated = result.body_truncated
    action = execution.action
    retry_in = None
    with transaction.atomic():
        attempt.save()
        if outcome == Try.Outcome.SUCCESS:
            chain_error = _chain(execution, event, result)
            state = Execution.State.ERROR if chain_error else Execution.State.COMPLETED
            _update(execution, state, chain_error, completed_at=timezone.now())
            _record_outcome(execution, event, state, chain_error)
        elif outcome == Try.Outcome.TRANSIENT and execution.tries_count < action.max_tries:
            retry_in = retry_delay(action, execution.tries_count, result.retry_after if result else None)
            _update(
                execution, Execution.State.FAILED, error, next_attempt_at=timezone.now() + timedelta(seconds=retry_in)
            )
            enqueue_on_commit(execution.pk, countdown=retry_in)
        else:
            final = (
                error if outcome == Try.Outcome.PERMANENT else f"Gave up after {execution.tries_count} tries: {error}"
            )
            _update(execution, Execution.State.ERROR, final)
            _record_outcome(execution, event, Execution.State.ERROR, final)
    return TryOutcome(execution.state, retry_in)


def _update(execution: Execution, state: str, error: str, **fields) -> None:
    execution.state, execution.last_error = state, error
    fields |= {"state": state, "last_error": error, "claimed_at": None, "updated_at": timezone.now()}
    Execution.objects.filter(pk=execution.pk).update(**fields)


def _record_outcome(execution: Execution, event: RecordedEvent, state: str, error: str) -> None:
    """ExecutionCompleted / ExecutionFailed, caused by the received event, in its correlation."""
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
    if state == Execution.State.COMPLETED:
        outcome = NewEvent("ExecutionCompleted", data)
    else:
        outcome = NewEvent("ExecutionFailed", {**data, "error": error})
    store.append(
        f"execution-{execution.pk}",
        [outcome],
        causation=Causation(event.correlation_id, event.event_id, f"contract {execution.contract.identifier}"),
    )


def _chain(execution: Execution, event: RecordedEvent, result: HttpResult) -> str:
    """Turn the response into the action's response event, if it declares one; return an error or ''."""
    event_type: EventType | None = execution.action.response_event_type
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


# --- Replay and sweep ----------------------------------------------------------------------


def execution_replay(*, execution: Execution) -> bool:
    """Try an execution again now (a new try with the same idempotency key). False if it is running."""
    updated = Execution.objects.filter(pk=execution.pk).exclude(state=Execution.State.PROCESSING)
    with transaction.atomic():
        changed = updated.update(
            state=Execution.State.PENDING, next_attempt_at=timezone.now(), last_error="", completed_at=None
        )
        if changed:
            enqueue_on_commit(execution.pk)
    return bool(changed)


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
        created = executions_create(
            event, [c for c in contracts_for(event.type) if c.pk not in {e.contract_id for e in existing}]
        )
    return len(existing) + len(created)


def executions_sweep() -> int:
    """Re-send executions whose message was lost and take back tries whose worker died."""
    now = timezone.now()
    lease_expired = now - timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    grace = now - timedelta(seconds=settings.DELIVERY_SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        lost = list(
            Execution.objects.select_for_update(skip_locked=True)
            .filter(state=Execution.State.PROCESSING, claimed_at__lt=lease_expired)
            .values_list("pk", flat=True)
        )
        Try.objects.filter(execution__in=lost, outcome=Try.Outcome.SENDING).update(
            outcome=Try.Outcome.TRANSIENT, error="Interrupted: the worker was lost during this try."
        )
        Execution.objects.filter(pk__in=lost).update(
            state=Execution.State.FAILED, next_attempt_at=now, claimed_at=None, last_error="Worker lost; tried again."
        )
        stuck = list(
            Execution.objects.filter(
                state__in=[Execution.State.PENDING, Execution.State.FAILED], next_attempt_at__lt=grace
            ).values_list("pk", flat=True)[:1000]
        )
        for execution_id in {*lost, *stuck}:
            enqueue_on_commit(execution_id)
    if lost or stuck:
        logger.warning("Sweep re-sent %d lost and %d overdue executions", len(lost), len(stuck))
    return len(lost) + len(stuck)
