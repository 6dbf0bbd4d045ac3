"""A check result (wanda's JSON) as the admin's tables show it: for each check its result and expectations,
and for each agent what each expectation gave, with its message, the values used and the facts it had."""

import json
from typing import Any

from django.utils.html import format_html

RESULT_COLOURS = {"passing": "#2e7d32", "warning": "#ef6c00", "critical": "#ba2121"}


def result_badge(result: str) -> str:
    if not result:
        return "-"
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px">{}</span>',
        RESULT_COLOURS.get(result, "#666"),
        result,
    )


def shown(value: Any) -> str:
    """A fact's or value's value as a check's expressions see it (JSON), text as it is."""
    return value if isinstance(value, str) and value else json.dumps(value, ensure_ascii=False)


def check_results_display(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``check_results`` of an execution's or the playground's result, ready for a template."""
    return [
        {
            "check_id": check["check_id"],
            "customized": check["customized"],
            "badge": result_badge(check["result"]),
            "expectations": [
                {"name": e["name"], "outcome": _outcome(e["type"], e["result"]), "message": e.get("failure_message")}
                for e in check["expectation_results"]
            ],
            "agents": [_agent(entry) for entry in check["agents_check_results"]],
        }
        for check in result["check_results"]
    ]


def _outcome(kind: str, value: Any) -> str:
    """``value`` is what an expectation gave: on one agent, or (``result``) over all of them."""
    if kind == "expect_enum":
        return result_badge(value)
    if isinstance(value, bool) and kind == "expect":
        return "passed" if value else "failed"
    if isinstance(value, bool) and kind == "expect_same":
        return "the same on every agent" if value else "not the same on every agent"
    return f"gave {shown(value)}"


def _agent(entry: dict[str, Any]) -> dict[str, Any]:
    if entry.get("status") == "excluded":
        problem = f"Not evaluated: its exclude expression ({entry['exclude_expression']}) is true for this agent."
    else:
        problem = entry.get("message", "")  # a timeout or a fact gathering error: nothing was evaluated
    return {
        "agent_id": entry["agent_id"],
        "problem": problem,
        "expectations": [_evaluation(e) for e in entry.get("expectation_evaluations", [])],
        "values": [{**v, "value": shown(v["value"])} for v in entry.get("values", [])],
        "facts": [_fact(fact) for fact in entry.get("facts") or []],
    }


def _fact(fact: dict[str, Any]) -> dict[str, Any]:
    if "type" in fact:  # the agent could not gather it
        return {"name": fact["name"], "error": f"{fact['message']} ({fact['type']})"}
    return {"name": fact["name"], "value": shown(fact["value"])}


def _evaluation(evaluation: dict[str, Any]) -> dict[str, Any]:
    if "return_value" not in evaluation:  # the expression itself failed, e.g. a fact it reads is missing
        outcome, message = f"could not be evaluated ({evaluation['type']})", evaluation["message"]
    else:
        outcome = _outcome(evaluation["type"], evaluation["return_value"])
        message = evaluation.get("failure_message")
    return {"name": evaluation["name"], "outcome": outcome, "message": message}
