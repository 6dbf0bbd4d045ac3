"""A person picks checks for a cluster and runs them, in a real (headless) Chromium."""

from pathlib import Path

import pytest

from apps.checks.models import Execution
from tests.browser import BROWSER_TEST, Admin
from tests.discovery.agents import agent_api_key, post, settle
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER

SCREENSHOTS = Path("/tmp")

pytestmark = [*BROWSER_TEST, pytest.mark.usefixtures("shared_catalog")]


def test_a_person_picks_the_checks_of_a_cluster_and_runs_them(browser, live_server, admin_user, client, shared_dir):
    key = agent_api_key()
    post(client, key, load(shared_dir, "web/host_discovery.json"))
    post(client, key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))
    admin = Admin(browser, live_server.url)
    admin.log_in("admin", "password")

    admin.open(f"/admin/landscape/cluster/{HANA_CLUSTER}/change/")
    assert "none chosen yet" in admin.find(".field-checks_panel").text
    admin.find(".field-checks_panel a.button").click()  # Choose checks
    admin.find("#checks-form input[value='156F64']").click()
    browser.save_screenshot(str(SCREENSHOTS / "junction-cluster-checks-picker.png"))
    admin.find("#checks-form input[name=_run]").click()  # Save and run now

    assert "The checks are running on 1 agent(s)" in admin.find("ul.messagelist").text
    execution = Execution.objects.get()
    assert execution.checks == ["156F64"]
    settle()
    admin.open(f"/admin/landscape/cluster/{HANA_CLUSTER}/change/")
    panel = admin.find(".field-checks_panel").text
    assert "Chosen: 156F64" in panel
    assert "see the results" in panel
    browser.execute_script("arguments[0].scrollIntoView()", admin.find(".field-checks_health"))
    browser.save_screenshot(str(SCREENSHOTS / "junction-cluster-checks-panel.png"))
