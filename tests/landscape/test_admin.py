"""The read-only landscape admin and the discovery dead letters' retry action."""

import pytest

from apps.discovery.models import DiscardedDiscoveryEvent
from apps.landscape.models import Host
from tests.discovery.agents import DB_HOST, as_agent, post
from tests.discovery.support import load

pytestmark = pytest.mark.django_db


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
