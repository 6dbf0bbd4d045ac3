"""Reading checks data in the API's shapes (wanda's JSON, spec §6)."""

from dataclasses import asdict
from typing import Any
from uuid import UUID

from apps.checks.catalog import catalog
from apps.checks.engine import Check, is_check_customizable, is_value_customizable, resolve_values
from apps.checks.models import Execution, FactsRequest
from apps.checks.services import group_customizations


def check_json(check: Check) -> dict[str, Any]:
    """A catalog check as wanda's v3 catalog returns it (``premium`` is always false)."""
    return {
        "id": check.id,
        "name": check.name,
        "group": check.group,
        "description": check.description,
        "remediation": check.remediation,
        "severity": check.severity.value,
        "metadata": check.metadata,
        "when": check.when.source if check.when else None,
        "exclude": check.exclude.source if check.exclude else None,
        "facts": [asdict(fact) for fact in check.facts],
        "values": [
            {
                "name": value.name,
                "default": value.default,
                "conditions": [{"value": c.value, "expression": c.when.source} for c in value.conditions],
                "customization_disabled": value.customization_disabled,
            }
            for value in check.values
        ],
        "expectations": [
            {
                "name": expectation.name,
                "type": expectation.type.value,
                "expression": expectation.expression.source,
                "failure_message": expectation.failure_message.source if expectation.failure_message else None,
                "warning_message": expectation.warning_message.source if expectation.warning_message else None,
            }
            for expectation in check.expectations
        ],
        "customization_disabled": check.customization_disabled,
        "premium": False,
    }


def load_errors_json() -> list[dict[str, str]]:
    return [asdict(error) for error in catalog().errors]


def selectable_checks(*, group_id: UUID, env: dict[str, Any]) -> list[dict[str, Any]]:
    """The checks applicable to ``env`` with what the group may and did customize (wanda's
    ``GET /api/v1/groups/:id/checks``)."""
    loaded = catalog()
    custom = group_customizations(group_id=group_id)
    items = []
    for check in loaded.select(loaded.checks, env):
        own = custom.get(check.id, {})
        values = []
        for value, resolved in zip(check.values, resolve_values(check, env, own), strict=True):
            customizable = is_value_customizable(check, value)
            item: dict[str, Any] = {"name": value.name, "customizable": customizable}
            if customizable:
                item["default_value"] = resolved.default_value
                if resolved.customized:
                    item["custom_value"] = resolved.custom_value
            values.append(item)
        items.append(
            {
                "id": check.id,
                "name": check.name,
                "group": check.group,
                "description": check.description,
                "values": values,
                "customizable": is_check_customizable(check),
                "customized": bool(own),
            }
        )
    return items


def execution_json(execution: Execution) -> dict[str, Any]:
    """Wanda's v2 execution; result, timeout, check results and counts are null while running."""
    result = execution.result_data
    return {
        "execution_id": str(execution.pk),
        "group_id": str(execution.group_id),
        "status": execution.status,
        "started_at": execution.started_at,
        "completed_at": execution.completed_at,
        "target_type": execution.target_type or None,
        "env": execution.env,
        "targets": [{"agent_id": t["agent_id"], "checks": t["checks"]} for t in execution.targets],
        "result": execution.result or None,
        "timeout": result["timeout"] if result else None,
        "check_results": result["check_results"] if result else None,
        **{f"{r}_count": execution.count(r) for r in Execution.Result.values},
    }


def facts_request_json(request: FactsRequest) -> dict[str, Any]:
    """One agent's part of wanda's ``FactsGatheringRequested``."""
    return {
        "execution_id": str(request.execution_id),
        "group_id": str(request.execution.group_id),
        "agent_id": str(request.agent_id),
        "timeout_at": request.execution.timeout_at,
        "fact_requests": request.fact_requests,
    }
