from contextlib import suppress
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.delivery.models import Execution
from apps.eventstore.models import EventRecord
from apps.eventstore.selectors import first_position_since
from apps.hub.models import Action, Contract

FINISHED = [Execution.State.COMPLETED, Execution.State.ERROR]


def execution_list(*, state: str | None = None, contract: str | None = None, system: str | None = None) -> QuerySet:
    executions = Execution.objects.select_related("contract", "action__system").order_by("-created_at")
    if state:
        executions = executions.filter(state=state)
    if contract:
        executions = executions.filter(contract__identifier=contract)
    if system:
        executions = executions.filter(action__system__identifier=system)
    return executions


#: How far back a search looks into events' payloads: every search reads them all, so it is bounded.
PAYLOAD_SEARCH_DAYS = 7


def execution_search(executions: QuerySet, term: str) -> QuerySet:
    """Executions whose own, event or correlation id is ``term``, whose contract or event type contains it,
    or whose event (of the last ``PAYLOAD_SEARCH_DAYS`` days) holds it anywhere in its payload."""
    matches = Q(contract__name__icontains=term) | Q(event_type__icontains=term)
    with suppress(ValueError):
        wanted = UUID(term)
        matches |= Q(id=wanted) | Q(event_id=wanted) | Q(correlation_id=wanted)
    recent = first_position_since(timezone.now() - timedelta(days=PAYLOAD_SEARCH_DAYS))
    holding = EventRecord.objects.filter(position__gte=recent, data__icontains=term).values("event_id")
    return executions.filter(matches | Q(event_id__in=holding))


def with_outcome_counts(contracts: QuerySet) -> QuerySet:
    """Contracts annotated with how many of their executions finished, and how many of those succeeded."""
    return contracts.annotate(
        finished_count=Count("executions", filter=Q(executions__state__in=FINISHED)),
        completed_count=Count("executions", filter=Q(executions__state=Execution.State.COMPLETED)),
    )


def recent_executions(*, contract_id: int, limit: int = 10) -> list[Execution]:
    return list(Execution.objects.filter(contract_id=contract_id).order_by("-created_at")[:limit])


def outcome_counts(*, since: datetime) -> dict[str, int]:
    """How many executions created since ``since`` are in each state."""
    rows = Execution.objects.filter(created_at__gte=since).values("state").annotate(count=Count("id"))
    return {row["state"]: row["count"] for row in rows}


def failing_contracts(*, since: datetime, limit: int = 10) -> list[tuple[Contract, int]]:
    """Contracts with executions that gave up since ``since``, the most failing first."""
    contracts = (
        Contract.objects.select_related("event_type__system", "action__system")
        .annotate(failed=Count("executions", filter=Q(executions__state=Execution.State.ERROR,
                                                        executions__created_at__gte=since)))
        .filter(failed__gt=0)
        .order_by("-failed", "name")[:limit]
    )  # fmt: skip
    return [(contract, contract.failed) for contract in contracts]


def troubled_actions() -> list[Action]:
    """Actions Junction stopped delivering to, or whose endpoint's breaker is open."""
    return list(
        Action.objects.select_related("system", "endpoint")
        .filter(Q(disabled_at__isnull=False) | Q(endpoint__open_until__isnull=False))
        .order_by("system__name", "name")
    )
