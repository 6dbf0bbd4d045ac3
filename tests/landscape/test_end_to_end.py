"""Agent discoveries through the real endpoint → events → read models and the landscape API.

The fixtures mostly come from one agent id; a landscape is made of them by sending some as other
agents (``as_agent``), always in the order agents would: hosts first, databases before applications.
"""

import pytest

from apps.discovery.models import DiscardedDiscoveryEvent, DiscoveryEvent
from apps.eventstore import store
from apps.landscape.commands import cluster_id, database_id, sap_system_id
from apps.landscape.models import Cluster, Database, Host, SapSystem
from tests.discovery.agents import (
    ASCS_HOST,
    DB_HOST,
    application_envelope,
    as_agent,
    host_envelope,
    post,
)
from tests.discovery.support import load

pytestmark = pytest.mark.django_db

HANA_DATABASE = database_id("e06e328f8d6b0f46c1e66ffcd44d0dd7")
HANA_CLUSTER = "34a94290-2236-5e4d-8def-05beb32d14d4"
DB_ADDRESS = "10.74.1.12"  # the application fixture's DBAddress


def types(stream_id: str) -> list[str]:
    return [e.type for e in store.read_stream(stream_id)]


def test_a_host_discovery_registers_the_host_and_the_api_lists_it(client, admin_client, agent_key, shared_dir):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))

    assert types(f"host-{DB_HOST}") == ["HostRegistered", "SoftwareUpdatesDiscoveryRequested"]
    host = Host.objects.get(id=DB_HOST)
    assert (host.hostname, host.heartbeat) == ("suse", "unknown")
    assert host.ip_addresses == ["10.1.1.4/16", "10.1.1.5/24", "10.1.1.6/32"]
    assert host.netmasks == [16, 24, 32]  # from the addresses' prefix lengths
    (listed,) = admin_client.get("/api/v1/hosts").json()["results"]
    assert (listed["id"], listed["hostname"]) == (DB_HOST, "suse")
    assert admin_client.get(f"/api/v1/hosts/{DB_HOST}").json()["hostname"] == "suse"


def test_host_facts_from_cloud_subscription_and_saptune_discoveries(client, admin_client, agent_key, shared_dir):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    post(client, agent_key, as_agent(load(shared_dir, "web/cloud_discovery_azure.json"), DB_HOST))
    post(client, agent_key, as_agent(load(shared_dir, "web/subscriptions_discovery.json"), DB_HOST))
    post(client, agent_key, as_agent(load(shared_dir, "web/saptune_discovery.json"), DB_HOST))

    assert types(f"host-{DB_HOST}") == [
        "HostRegistered",
        "SoftwareUpdatesDiscoveryRequested",
        "ProviderUpdated",
        "SlesSubscriptionsUpdated",
        "SaptuneStatusUpdated",
        "HostSaptuneHealthChanged",
        "HostHealthChanged",
    ]
    host = admin_client.get(f"/api/v1/hosts/{DB_HOST}").json()
    assert host["provider"] == "azure"
    assert host["provider_data"]["vm_name"] == "vmhdbdev01"
    assert len(host["sles_subscriptions"]) == 7
    assert host["saptune_status"]["package_version"] == "3.1.0"
    # No SAP instance on the host: saptune does not matter, the host is healthy.
    assert (host["saptune_health"], host["health"]) == ("passing", "passing")


def test_a_hana_scale_up_cluster_from_its_designated_controller(client, admin_client, agent_key, shared_dir):
    post(client, agent_key, load(shared_dir, "web/host_discovery.json"))
    post(client, agent_key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))

    assert types(f"cluster-{HANA_CLUSTER}")[:2] == ["ClusterRegistered", "HostAddedToCluster"]
    cluster = Cluster.objects.get(id=HANA_CLUSTER)
    assert (cluster.name, cluster.type, cluster.provider, cluster.hosts_number) == (
        "hana_cluster",
        "hana_scale_up",
        "azure",
        2,
    )
    # The fixture's secondary is in sync (SOK) with landscape status 4: replication is healthy.
    assert (cluster.replication_health, cluster.health) == ("passing", "passing")
    assert str(Host.objects.get(id=DB_HOST).cluster_id) == HANA_CLUSTER
    listed = admin_client.get("/api/v1/clusters").json()["results"]
    assert [(c["id"], c["type"], c["health"]) for c in listed] == [(HANA_CLUSTER, "hana_scale_up", "passing")]
    assert admin_client.get(f"/api/v1/clusters/{HANA_CLUSTER}").json()["cib_last_written"]


def test_an_ascs_ers_cluster(client, agent_key, shared_dir):
    envelope = load(shared_dir, "web/ha_cluster_discovery_ascs_ers.json")
    envelope["payload"]["DC"] = True  # as the designated controller reports it (the fixture is another node's)
    post(client, agent_key, host_envelope(shared_dir, envelope["agent_id"], "sapnwpas", "10.80.1.25"))
    post(client, agent_key, envelope)

    cluster = Cluster.objects.get(id=cluster_id(envelope["payload"]["Id"]))
    assert cluster.type == "ascs_ers"
    assert cluster.distributed_health == "passing"
    assert {i["sid"] for i in cluster.sap_instances} == {"NWP"}


def test_a_database_and_a_sap_system_on_it(admin_client, sap_landscape):
    system_id = sap_landscape

    assert types(f"database-{HANA_DATABASE}")[:2] == ["DatabaseRegistered", "DatabaseInstanceRegistered"]
    assert types(f"sap_system-{system_id}") == [
        "ApplicationInstanceRegistered",
        "ApplicationInstanceRegistered",
        "SapSystemRegistered",
    ]
    database = Database.objects.get(id=HANA_DATABASE)
    assert (database.sid, database.tenant_names, database.health) == ("PRD", ["PRD"], "passing")
    system = SapSystem.objects.get(id=system_id)
    assert (system.sid, system.tenant, str(system.database_id), system.health) == (
        "HA1",
        "PRD",
        HANA_DATABASE,
        "passing",
    )
    assert sorted(system.instances.values_list("instance_number", flat=True)) == ["00", "02"]

    (listed,) = admin_client.get("/api/v1/sap_systems").json()["results"]
    assert (listed["id"], listed["health"], len(listed["instances"])) == (system_id, "passing", 2)
    (databases,) = admin_client.get("/api/v1/databases").json()["results"]
    assert databases["instances"][0]["system_replication"] == "Primary"
    (health,) = admin_client.get("/api/v1/sap_systems/health").json()
    assert health["sapsystem_health"] == "passing"
    assert (health["database_sid"], health["database_health"]) == ("PRD", "passing")


def test_an_application_before_its_database_is_dead_lettered_then_accepted(client, agent_key, shared_dir):
    post(client, agent_key, host_envelope(shared_dir, DB_HOST, "vmhana01", DB_ADDRESS))
    post(client, agent_key, host_envelope(shared_dir, ASCS_HOST, "sapha1as", "10.74.1.20"))
    application = application_envelope(shared_dir, ASCS_HOST, number=0)

    post(client, agent_key, application)

    (discarded,) = DiscardedDiscoveryEvent.objects.all()
    assert (discarded.code, discarded.discovery_type) == ("associated_database_not_found", "sap_system_discovery")
    assert discarded.discovery.state == DiscoveryEvent.State.DISCARDED
    post(client, agent_key, load(shared_dir, "web/sap_system_discovery_database.json"))
    post(client, agent_key, application)  # the same discovery again: not skipped, it failed last time
    assert DiscoveryEvent.objects.filter(state=DiscoveryEvent.State.PROCESSED, agent_id=ASCS_HOST).count() == 2
    assert types(f"sap_system-{sap_system_id(HANA_DATABASE, 'PRD')}") == ["ApplicationInstanceRegistered"]


@pytest.mark.parametrize(
    ("fixture", "path"),
    [
        ("web/host_discovery_with_last_boot_timestamp_wrong.json", "/payload/last_boot_timestamp"),
        ("web/host_discovery_with_prometheus_mode_invalid.json", "/payload/prometheus_mode"),
        ("web/saptune_discovery_empty_result.json", "/payload/status/result"),
    ],
)
def test_the_rejected_fixtures_are_accepted_then_dead_lettered_with_the_path(
    client, agent_key, shared_dir, fixture, path
):
    post(client, agent_key, load(shared_dir, fixture))

    (discarded,) = DiscardedDiscoveryEvent.objects.all()
    assert discarded.code == "invalid_discovery"
    assert path in discarded.reason
    assert discarded.payload == load(shared_dir, fixture)["payload"]
    assert not store.read_stream(f"host-{discarded.agent_id}")
    # The agent sends the same wrong payload every 10 s: it is not discarded again and again.
    post(client, agent_key, load(shared_dir, fixture))
    assert DiscardedDiscoveryEvent.objects.count() == 1
