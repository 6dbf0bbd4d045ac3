"""The read-only landscape admin and the discovery dead letters' retry action."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertInHTML

from apps.discovery.models import DiscardedDiscoveryEvent
from apps.hub.models import System
from apps.landscape.models import Cluster, Host
from apps.landscape.readable import SEPARATOR, readable
from tests.discovery.agents import APP_HOST, ASCS_HOST, DB_HOST, as_agent, post
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER, HANA_DATABASE

pytestmark = pytest.mark.django_db


@pytest.fixture
def landscape(client, agent_key, sap_landscape, shared_dir) -> str:
    """The SAP landscape, its database host (vmhana01) in the HANA cluster, on Azure, with saptune and
    SLES subscriptions; returns the SAP system's id."""
    post(client, agent_key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))
    for discovery in ("cloud_discovery_azure", "saptune_discovery", "subscriptions_discovery"):
        post(client, agent_key, as_agent(load(shared_dir, f"web/{discovery}.json"), DB_HOST))
    return sap_landscape


def page(admin_client, model: str, pk: Any) -> str:
    response = admin_client.get(f"/admin/landscape/{model}/{pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def row(label: str, value: str) -> str:
    """A label/value row of a readable table."""
    return f'<tr><th scope="row">{label}</th><td>{value}</td></tr>'


def link(model: str, pk: Any, text: str) -> str:
    return f'<a href="/admin/landscape/{model}/{pk}/change/">{text}</a>'


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


def test_the_landscape_pages_show_health_badges_and_filter(admin_client, client, agent_key, sap_landscape, shared_dir):
    post(client, agent_key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))

    for page in ("host", "cluster", "database", "sapsystem"):
        response = admin_client.get(f"/admin/landscape/{page}/")
        assert response.status_code == 200, page
        assert "border-radius:8px" in response.content.decode()
    assert "vmhana01" in admin_client.get("/admin/landscape/host/?q=10.74.1.12").content.decode()
    assert "vmhana01" not in admin_client.get("/admin/landscape/host/?health__exact=critical").content.decode()
    assert "hana_cluster" in admin_client.get("/admin/landscape/cluster/?type__exact=hana_scale_up").content.decode()
    assert "HA1" in admin_client.get("/admin/landscape/sapsystem/?q=HA1").content.decode()
    assert admin_client.get(f"/admin/landscape/host/{DB_HOST}/change/").status_code == 200
    assert admin_client.get(f"/admin/landscape/sapsystem/{sap_landscape}/change/").status_code == 200
    assert admin_client.post("/admin/landscape/host/add/").status_code == 403


def test_a_dead_letter_can_be_retried_from_the_admin(admin_client, client, agent_key, shared_dir):
    post(client, agent_key, as_agent(load(shared_dir, "web/cloud_discovery_gcp.json"), DB_HOST))
    discarded = DiscardedDiscoveryEvent.objects.get()
    assert admin_client.get("/admin/discovery/discardeddiscoveryevent/").status_code == 200
    assert admin_client.get(f"/admin/discovery/discardeddiscoveryevent/{discarded.pk}/change/").status_code == 200
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))

    response = admin_client.post(
        "/admin/discovery/discardeddiscoveryevent/",
        {"action": "retry", "_selected_action": [discarded.pk]},
        follow=True,
    )

    assert "1 of 1 went through" in response.content.decode()
    assert not DiscardedDiscoveryEvent.objects.exists()
    assert admin_client.get("/admin/discovery/discoveryevent/").status_code == 200
    assert Host.objects.filter(id=DB_HOST).exists()


def test_a_hosts_page_reads_as_tables_and_links_to_its_cluster_and_what_it_runs(admin_client, landscape):
    host = page(admin_client, "host", DB_HOST)

    assertInHTML('<tr><th scope="col">Address</th><th scope="col">Netmask</th></tr>', host)
    assertInHTML("<tr><td>10.74.1.12/24</td><td>24</td></tr>", host)
    assertInHTML(row("Vm size", "Standard_E4s_v3"), host)  # provider data
    assertInHTML(row("Tuning state", "not compliant"), host)  # saptune, nested objects flattened
    assertInHTML("<tr><td>saptune</td><td>active</td><td>enabled</td></tr>", host)  # its services, name first
    assertInHTML("<tr><td>pacemaker.service</td><td>enabled</td></tr>", host)  # systemd units
    assert "<td>SLES_SAP</td>" in host  # SLES subscriptions
    assert link("cluster", HANA_CLUSTER, "hana_cluster") in host
    assert f"Database {link('database', HANA_DATABASE, 'PRD')}" in host  # the database instance it runs
    assert "<pre>" not in host
    assert "&quot;" not in host.split('id="host_form"')[1]  # no JSON left in the page's fields


def test_the_host_list_links_each_host_to_its_cluster(admin_client, landscape):
    hosts = admin_client.get("/admin/landscape/host/").content.decode()

    assert link("cluster", HANA_CLUSTER, "hana_cluster") in hosts
    assert hosts.count('<td class="field-cluster">-</td>') == 2  # the SAP system's hosts are in none


def test_a_clusters_page_lists_its_hosts_and_reads_its_details_as_tables(admin_client, landscape):
    cluster = page(admin_client, "cluster", HANA_CLUSTER)

    assert link("host", DB_HOST, "vmhana01") in cluster
    assertInHTML(row("Fencing type", "external/sbd"), cluster)
    assertInHTML(row(f"Attributes{SEPARATOR}Hana prd clone state", "PROMOTED"), cluster)  # of node01
    # A resource (nested parent included) reads as a label/value table of its own.
    assertInHTML(row("Id", "rsc_SAPHana_PRD_HDB00"), cluster, count=4)  # node01's, node02's, and both in resources
    assertInHTML(row(f"Parent{SEPARATOR}Id", "msl_SAPHana_PRD_HDB00"), cluster, count=4)
    assertInHTML("<tr><td>/dev/vdc</td><td>healthy</td></tr>", cluster)  # SBD devices
    assertInHTML(
        "<tr><td>HDB00</td><td>-</td><td>00</td><td>-</td><td>rsc_SAPHanaTopology_PRD_HDB00</td>"
        "<td>sap_hana_topology</td><td>PRD</td></tr>",
        cluster,
    )  # SAP instances
    details = Cluster.objects.get(id=HANA_CLUSTER).details
    shown = [leaf for leaf in leaves(details) if not isinstance(leaf, bool) and leaf is not None]
    assert [leaf for leaf in shown if f">{escape(leaf)}<" not in cluster] == []  # nothing is lost


def test_databases_and_sap_systems_link_to_the_hosts_their_instances_run_on(admin_client, landscape):
    database = page(admin_client, "database", HANA_DATABASE)
    sap_system = page(admin_client, "sapsystem", landscape)

    assert link("host", DB_HOST, "vmhana01") in database
    tenants = '<thead><tr><th scope="col">Name</th></tr></thead><tbody><tr><td>PRD</td></tr></tbody>'
    assertInHTML(f'<table class="readable">{tenants}</table>', database)
    assert link("sapsystem", landscape, "HA1") in database  # the SAP system using it
    assert link("host", ASCS_HOST, "sapha1as") in sap_system
    assert link("host", APP_HOST, "sapha1aas1") in sap_system
    assert link("database", HANA_DATABASE, "PRD") in sap_system


def test_an_empty_host_or_cluster_list_says_how_to_connect_an_agent(admin_client, agent_key):
    agents = System.objects.get(identifier="agents")

    hosts = admin_client.get("/admin/landscape/host/").content.decode()
    clusters = admin_client.get("/admin/landscape/cluster/").content.decode()

    assert "No hosts yet: connect a Trento agent" in hosts
    assert "No clusters yet: connect a Trento agent" in clusters
    for hint in (hosts, clusters):
        assert "Install the Trento agent" in hint
        assert f'href="{reverse("admin:hub_system_change", args=[agents.pk])}">Agents</a>' in hint
        assert f'href="{reverse("admin:hub_system_api_key_create", args=[agents.pk])}">Create an API key</a>' in hint
        assert "server-url: http://testserver" in hint
        assert "<code>http://testserver/api/v1/collect</code>" in hint
        assert "<code>X-Trento-Apikey</code>" in hint
        assert "curl -X POST http://testserver/api/v1/collect" in hint  # to try by hand, folded away


def test_the_hint_goes_once_an_agent_has_reported(admin_client, client, agent_key, shared_dir):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))

    hosts = admin_client.get("/admin/landscape/host/").content.decode()
    none_critical = admin_client.get("/admin/landscape/host/?health__exact=critical").content.decode()
    clusters = admin_client.get("/admin/landscape/cluster/").content.decode()

    assert 'id="connect-agent"' not in hosts
    assert 'id="connect-agent"' not in none_critical  # a filter that finds nothing is no empty landscape
    assert 'id="connect-agent"' in clusters  # no cluster reported yet


def test_readable_keeps_values_of_any_shape():
    html = readable({"plain": [1, "two", None, True], "mixed": [3, [4, 5], {"six": 6}], "empty": {}})

    assertInHTML(row("Plain", "1, two, -, yes"), html)
    assertInHTML(row("Empty", "-"), html)
    assertInHTML(
        '<tr><th colspan="2" scope="rowgroup">Mixed</th></tr><tr><td colspan="2" class="block">'
        '<ul class="readable"><li>3</li><li>4, 5</li><li>' + readable({"six": 6}) + "</li></ul></td></tr>",
        html,
    )


def test_the_hint_says_so_when_the_agents_system_was_deleted(admin_client, agent_key):
    System.objects.filter(identifier="agents").update(deleted_at=timezone.now())

    hosts = admin_client.get("/admin/landscape/host/").content.decode()

    assert "which has been deleted: ask an administrator to restore it" in hosts
    assert "Create an API key" not in hosts
    assert "server-url: http://testserver" in hosts
