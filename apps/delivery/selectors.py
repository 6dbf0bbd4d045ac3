from django.db.models import QuerySet

from apps.delivery.models import Execution


def execution_list(*, state: str | None = None, contract: str | None = None, system: str | None = None) -> QuerySet:
    executions = Execution.objects.select_related("contract", "action__system").order_by("-created_at")
    if state:
        executions = executions.filter(state=state)
    if contract:
        executions = executions.filter(contract__identifier=contract)
    if system:
        executions = executions.filter(action__system__identifier=system)
    return executions
