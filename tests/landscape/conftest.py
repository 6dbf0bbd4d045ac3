import pytest

from apps.landscape.commands import sap_system_id
from tests.discovery.agents import (
    APP_HOST,
    ASCS_HOST,
    DB_HOST,
    agent_api_key,
    application_envelope,
    host_envelope,
    post,
)
from tests.discovery.support import load
from tests.landscape.test_end_to_end import DB_ADDRESS, HANA_DATABASE


@pytest.fixture
def agent_key(db) -> str:
    return agent_api_key()


@pytest.fixture
def sap_landscape(client, agent_key, shared_dir):
    """A HANA database on one host and an ABAP system (ASCS + additional app server) on two others."""
    post(client, agent_key, host_envelope(shared_dir, DB_HOST, "vmhana01", DB_ADDRESS))
    post(client, agent_key, host_envelope(shared_dir, ASCS_HOST, "sapha1as", "10.74.1.20"))
    post(client, agent_key, host_envelope(shared_dir, APP_HOST, "sapha1aas1", "10.74.1.21"))
    post(client, agent_key, load(shared_dir, "web/sap_system_discovery_database.json"))
    post(client, agent_key, application_envelope(shared_dir, ASCS_HOST, number=0))
    post(client, agent_key, application_envelope(shared_dir, APP_HOST, number=2))
    return sap_system_id(HANA_DATABASE, "PRD")
