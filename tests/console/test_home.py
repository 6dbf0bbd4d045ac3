"""The admin's home page answers "is everything all right?", and its menu is by what people do."""

import re

import pytest

from apps.delivery.models import Execution
from apps.delivery.services import action_disable, executions_route
from apps.eventstore import store
from apps.hub.models import System
from apps.ingest.models import RefusedRequest
from apps.landscape.models import Host
from tests.discovery.agents import agent_api_key
from tests.discovery.agents import post as post_discovery
from tests.discovery.support import load
from tests.hub import factories
from tests.ingest.test_webhook import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    shop, key = factories.producer_with_key("Web shop")
    order_placed = factories.event_type(shop, "Order placed")
    erp = factories.system("ERP", role=System.Role.SUBSCRIBER)
    contract = factories.contract(order_placed, factories.action(erp, "Create order"), name="Orders to the ERP")
    return key, order_placed, contract


def figure(page: str, label: str) -> tuple[int, str]:
    """The number shown above ``label`` on the home page, and where it links."""
    match = re.search(rf'<a class="home-figure[^"]*" href="([^"]+)"><strong>(\d+)</strong><span>{label}</span>', page)
    assert match, f"no figure {label!r}"
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def test_an_empty_hub_is_all_right(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert "Everything is all right" in page
    assert figure(page, "events received")[0] == 0
    assert "None: every contract delivered or is still trying." in page


def steps(page: str) -> list[tuple[bool, str]]:
    """The getting-started steps: (done, where the step's link goes or '')."""
    block = page.split('id="home-getting-started"')[1].split("</ol>")[0] if "home-getting-started" in page else ""
    items = re.findall(r'<li class="(done|)">(?:<a href="([^"]+)">)?', block)
    return [(done == "done", href) for done, href in items]


def test_a_new_hub_says_how_to_wire_a_first_integration_step_by_step(admin_client):
    assert steps(admin_client.get("/admin/").content.decode()) == [
        (False, "/admin/hub/system/add/"),
        (False, "/admin/hub/eventtype/add/"),
        (False, "/admin/hub/system/"),
        (False, "/admin/hub/action/add/"),
        (False, "/admin/hub/contract/add/"),
    ]

    factories.producer_with_key("Web shop")
    done = [finished for finished, _ in steps(admin_client.get("/admin/").content.decode())]
    assert done == [True, False, True, False, False]  # a producer with a key, no event yet


def test_the_steps_go_once_a_contract_of_ones_own_exists(admin_client, shop):
    assert steps(admin_client.get("/admin/").content.decode()) == []


def test_the_home_page_counts_the_last_day_and_links_to_the_lists_behind(admin_client, client, shop):
    key, order_placed, contract = shop
    for number in range(3):
        assert post(client, order_placed.identifier, {"order": number}, key).status_code == 202
    executions = executions_route(store.read_after(0, 0, limit=100))
    Execution.objects.filter(pk=executions[0].pk).update(state=Execution.State.COMPLETED)
    Execution.objects.filter(pk=executions[1].pk).update(state=Execution.State.ERROR)
    action_disable(contract.action, reason="The endpoint answered 410 Gone.")
    post(client, order_placed.identifier, {"order": 9}, "wrong-key")

    page = admin_client.get("/admin/").content.decode()

    assert "Something needs your attention" in page
    received, received_url = figure(page, "events received")
    assert received == 3
    assert admin_client.get(received_url).content.decode().count("order_placed") >= 3
    assert figure(page, "delivered")[0] == 1
    failed, failed_url = figure(page, "failed for good")
    assert failed == 1
    failed_list = admin_client.get(failed_url).content.decode()
    assert str(executions[1].pk) in failed_list
    assert str(executions[0].pk) not in failed_list
    assert "Orders to the ERP</a>: 1 delivery failed for good" in page
    assert "ERP · Create order</a>: Disabled: The endpoint answered 410 Gone." in page
    assert "Web shop</a>: 1 refused" in page


def test_the_landscape_health_links_to_the_filtered_list(admin_client, client, shared_dir):
    post_discovery(client, agent_api_key(), load(shared_dir, "web/host_discovery.json"))
    Host.objects.update(health="critical")

    page = admin_client.get("/admin/").content.decode()

    row = re.search(r'<th><a href="[^"]+">Hosts</a></th>(.*?)</tr>', page, re.S).group(1)
    critical = re.search(r'<a class="bad" href="([^"]+)">1</a>', row)
    assert critical, row
    assert "suse" in admin_client.get(critical.group(1).replace("&amp;", "&")).content.decode()
    assert "Something needs your attention" in page


def test_the_menu_is_by_what_people_do_with_the_internals_last(admin_client):
    page = admin_client.get("/admin/").content.decode()

    sections = re.findall(r'class="section"[^>]*>([^<]+)</a>', page)
    assert sections == ["Integrations", "Activity", "Landscape", "Checks", "Settings", "Advanced"]
    advanced = page[page.index('class="app-advanced') :]
    assert "Grants" in advanced
    assert "Recorded events" in advanced
    activity = page[page.index('class="app-activity') : page.index('class="app-landscape')]
    assert [name in activity for name in ("Received events", "Deliveries", "Refused requests")] == [True] * 3
    assert page.count(">Executions<") == 0


def test_built_in_events_are_listed_apart_from_your_own(admin_client, shop):
    own = admin_client.get("/admin/hub/eventtype/").content.decode()
    builtin = admin_client.get("/admin/hub/eventtype/?made_by=builtin&q=Host").content.decode()

    assert "Order placed" in own
    assert "HostRegistered" not in own
    assert "HostRegistered" in builtin
    assert "Order placed" not in builtin


def test_the_contracts_event_picker_groups_events_by_system_yours_first(admin_client, shop):
    response = admin_client.get(
        "/admin/autocomplete/", {"app_label": "hub", "model_name": "contract", "field_name": "event_type", "term": ""}
    )

    groups = response.json()["results"]
    assert groups[0]["text"] == "Web shop"
    assert [event["text"] for event in groups[0]["children"]] == ["Web shop · Order placed"]
    assert all(group["text"].endswith("(built in)") for group in groups[1:])
    host = admin_client.get(
        "/admin/autocomplete/", {"app_label": "hub", "model_name": "contract", "field_name": "event_type",
                                 "term": "HostRegistered"},
    ).json()["results"]  # fmt: skip
    assert [group["text"] for group in host] == ["Landscape (built in)"]


def test_refused_requests_are_kept_per_system_without_credentials(admin_client, client, shop, settings):
    key, order_placed, _ = shop
    settings.INGEST_REFUSALS_KEPT = 3

    post(client, order_placed.identifier, {"order": 1}, "wrong-key", **{"X-Trace": "t-1"})
    post(client, order_placed.identifier, "{not json", key)
    for number in range(3):
        post(client, "no_such_event", {"n": number}, key)

    kept = list(RefusedRequest.objects.filter(system=order_placed.system).order_by("id"))
    assert [refusal.code for refusal in kept] == ["event_not_found"] * 3  # the oldest two made room
    assert all(refusal.status == 404 for refusal in kept)
    page = admin_client.get(f"/admin/ingest/refusedrequest/{kept[0].pk}/change/").content.decode()
    assert "There is no active event" in page
    assert "no_such_event" in page
    assert key not in page
    assert "wrong-key" not in page
    system_page = admin_client.get(f"/admin/hub/system/{order_placed.system_id}/change/").content.decode()
    assert f"/admin/ingest/refusedrequest/?system__id__exact={order_placed.system_id}" in system_page


def test_a_refusal_names_the_system_of_the_event_even_when_the_key_is_wrong(client, shop):
    _, order_placed, _ = shop

    response = post(client, order_placed.identifier, {"order": 1}, "wrong-key", **{"X-Trace": "t-1"})

    assert response.status_code == 401
    refusal = RefusedRequest.objects.get()
    assert refusal.system == order_placed.system
    assert refusal.code == "credentials_invalid"
    assert refusal.headers.get("X-Trace") == "t-1"
    assert "X-Api-Key" not in refusal.headers
    assert refusal.body_excerpt == '{"order": 1}'
