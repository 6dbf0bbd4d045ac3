"""Fixtures of the checks app tests: the shared Trento catalog, an agent's API key, helpers."""

import uuid
from typing import Any

import pytest

from apps.hub.models import System
from apps.hub.services import api_key_create

API = "/api/v1"
GROUP = uuid.UUID("5f1c4d0e-0000-4000-8000-000000000001")
AGENT_A = "a0000000-0000-4000-8000-00000000000a"
AGENT_B = "b0000000-0000-4000-8000-00000000000b"


@pytest.fixture
def agent_key(db) -> str:
    # Transactional tests flush the rows of data migrations: the Agents system is made again then.
    agents, _ = System.objects.get_or_create(identifier="agents", defaults={"name": "Agents", "role": "producer"})
    _, key = api_key_create(system=agents, name="test agent")
    return key


def start(client, *, checks=("156F64",), agents=(AGENT_A,), env=None, group=GROUP, **extra: Any):
    body = {
        "group_id": str(group),
        "targets": [{"agent_id": agent, "checks": list(checks)} for agent in agents],
        "target_type": "cluster",
        "env": env if env is not None else {"provider": "azure", "cluster_type": "hana_scale_up"},
        **extra,
    }
    return client.post(f"{API}/checks/executions/start", body, content_type="application/json")


def fetch(client, key: str, agent: str = AGENT_A, **params: Any):
    return client.get(f"{API}/agents/{agent}/facts-requests", params, HTTP_X_API_KEY=key)


def post_facts(client, key: str, execution_id: str, facts: list[dict[str, Any]], agent: str = AGENT_A):
    body = {"execution_id": execution_id, "facts_gathered": facts}
    return client.post(f"{API}/agents/{agent}/facts", body, content_type="application/json", HTTP_X_API_KEY=key)


def answer_all(client, key: str, agent: str, values: dict[str, Any]):
    """Answer every pending request of ``agent`` with ``values`` (fact name → value)."""
    for item in fetch(client, key, agent).json()["items"]:
        facts = [
            {"check_id": f["check_id"], "name": f["name"], "value": values[f["name"]]} for f in item["fact_requests"]
        ]
        response = post_facts(client, key, item["execution_id"], facts, agent)
        assert response.status_code == 202, response.content
