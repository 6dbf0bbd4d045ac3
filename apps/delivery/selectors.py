from django.db.models import Count, Q, QuerySet

from apps.delivery.models import Execution

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


def with_outcome_counts(contracts: QuerySet) -> QuerySet:
    """Contracts annotated with how many of their executions finished, and how many of those succeeded."""
    return contracts.annotate(
        finished_count=Count("executions", filter=Q(executions__state__in=FINISHED)),
        completed_count=Count("executions", filter=Q(executions__state=Execution.State.COMPLETED)),
    )


def recent_executions(*, contract_id: int, limit: int = 10) -> list[Execution]:
    return list(Execution.objects.filter(contract_id=contract_id).order_by("-created_at")[:limit])
