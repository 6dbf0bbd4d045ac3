import json
from uuid import UUID

import pytest

from tests.hub import factories


@pytest.fixture
def wiring(subscriber):
    """WHEN in CRM `customer created` happens THEN in ERP do `create account` (at the test subscriber)."""
    crm, key = factories.producer_with_key("CRM")
    erp = factories.system("ERP", role="subscriber")
    event = factories.event_type(crm, "customer created")
    action = factories.action(
        erp,
        url=subscriber.url + "/accounts",
        body={"customer": "{{ $.body.id }}"},
        retry_base_seconds=1,
        retry_max_seconds=2,
        max_tries=3,
    )
    contract = factories.contract(event, action)
    return key, event, action, contract


def receive(client, key, identifier, body):
    response = client.post(
        f"/api/v1/events/{identifier}", data=json.dumps(body), content_type="application/json", HTTP_X_API_KEY=key
    )
    assert response.status_code == 202, response.content
    return UUID(response.json()["event_id"])
