"""Live admin pages: the real web server's websockets, and a page in Chromium that changes by itself."""

import json

import pytest
from selenium.webdriver.support.ui import WebDriverWait
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from apps.eventstore import store
from apps.eventstore.commands import dispatch
from apps.landscape.commands import build
from apps.landscape.models import Host
from tests.browser import BROWSER_TEST, Admin
from tests.discovery.agents import agent_api_key, post, settle
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER

pytestmark = BROWSER_TEST


def _live(browser) -> None:
    WebDriverWait(browser, 15).until(
        lambda b: b.find_element("css selector", "body").get_attribute("data-live") == "connected"
    )
    browser.execute_script("window.notReloaded = true")


def _text(browser, css: str) -> str:
    return browser.find_element("css selector", css).text


def _still_the_same_page(browser) -> bool:
    return browser.execute_script("return window.notReloaded === true")


def test_a_host_appears_in_the_open_list_without_a_reload(browser, web, admin_user, client, shared_dir):
    admin = Admin(browser, web)
    admin.log_in("admin", "password")
    admin.open("/admin/landscape/host/")
    _live(browser)
    assert "suse" not in admin.find("#content-main").text

    post(client, agent_api_key(), load(shared_dir, "web/host_discovery.json"))

    WebDriverWait(browser, 10).until(lambda b: "suse" in _text(b, "#content-main"))
    assert _still_the_same_page(browser)


def test_a_clusters_page_shows_its_health_change_without_a_reload(browser, web, admin_user, client, shared_dir):
    key = agent_api_key()
    post(client, key, load(shared_dir, "web/host_discovery.json"))
    post(client, key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))
    admin = Admin(browser, web)
    admin.log_in("admin", "password")
    admin.open(f"/admin/landscape/cluster/{HANA_CLUSTER}/change/")
    _live(browser)
    assert admin.find(".field-health").text.endswith("Passing")

    dispatch(build("CompleteChecksExecution", {"cluster_id": HANA_CLUSTER, "health": "critical"}))
    settle()

    WebDriverWait(browser, 10).until(
        lambda b: b.find_element("css selector", ".field-health").text.endswith("Critical")
    )
    assert _still_the_same_page(browser)
    browser.save_screenshot("/tmp/junction-live-cluster.png")


def test_websockets_are_for_signed_in_staff_only(web):
    url = web.replace("http", "ws") + "/ws/live/hosts/"

    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=5, origin=web)

    assert refused.value.response.status_code == 403


def test_a_change_made_while_a_page_was_on_its_way_is_sent_as_soon_as_its_socket_joins(
    web, admin_user, client, shared_dir
):
    """A page drawn just before a change, whose websocket joins just after it, must not miss it."""
    client.force_login(admin_user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    url = web.replace("http", "ws") + "/ws/live/hosts/"
    tx, position = store.head()  # the page is drawn
    post(client, agent_api_key(), load(shared_dir, "web/host_discovery.json"))  # a host is registered

    with connect(f"{url}?since={tx}.{position}", open_timeout=5, origin=web,
                 additional_headers={"Cookie": cookie}) as late:  # fmt: skip
        change = json.loads(late.recv(timeout=5))
    with (
        connect(url, open_timeout=5, origin=web, additional_headers={"Cookie": cookie}) as current,
        pytest.raises(TimeoutError),
    ):
        current.recv(timeout=1)  # nothing since it joined

    assert change["topic"] == "hosts"
    assert change["id"] == str(Host.objects.get().id)
