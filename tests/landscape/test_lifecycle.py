"""Heartbeat loss, staleness, deregistration cascade, database → SAP system reactions, rebuilds, contracts."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from apps.delivery.models import Execution
from apps.discovery.models import DiscardedDiscoveryEvent, DiscoveryEvent
from apps.eventstore import store
from apps.hub.models import EventType, System
from apps.landscape import services
from apps.landscape.models import (
    ApplicationInstance,
    Cluster,
    Database,
    DatabaseInstance,
    Heartbeat,
    Host,
    SapSystem,
    SlesSubscription,
)
from tests.discovery.agents import (
    APP_HOST,
    ASCS_HOST,
    DB_HOST,
    as_agent,
    collect,
    host_envelope,
    post,
    process,
    settle,
)
from tests.discovery.support import envelope_paths, load
from tests.hub import factories
from tests.landscape.test_end_to_end import DB_ADDRESS, HANA_CLUSTER, HANA_DATABASE
from tests.subscriptions import catch_up

pytestmark = pytest.mark.django_db


def types(stream_id: str) -> list[str]:
    return [e.type for e in store.read_stream(stream_id)]


def beat(client, key: str, host: str) -> None:
    assert client.post(f"/api/v1/hosts/{host}/heartbeat", HTTP_X_TRENTO_APIKEY=key).status_code == 204
    settle()


def stop_beating(host: str) -> None:
    Heartbeat.objects.filter(agent_id=host).update(timestamp=timezone.now() - timedelta(minutes=1))


@pytest.fixture
def clustered_db_host(client, agent_key, sap_landscape, shared_dir):
    post(client, agent_key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))
    for host in (DB_HOST, ASCS_HOST, APP_HOST):
        beat(client, agent_key, host)
    return sap_landscape


def test_a_host_that_stops_beating_fails_once_and_its_cluster_and_instances_go_stale(
    client, agent_key, clustered_db_host
):
    stop_beating(DB_HOST)

    assert services.heartbeats_check() == 1
    assert services.heartbeats_check() == 0
    settle()

    assert types(f"host-{DB_HOST}")[-2:] == ["HeartbeatSucceeded", "HeartbeatFailed"]
    assert Host.objects.get(id=DB_HOST).heartbeat == "critical"
    assert Cluster.objects.get(id=HANA_CLUSTER).stale_at is not None
    assert DatabaseInstance.objects.get(host_id=DB_HOST).stale_at is not None
    assert Database.objects.get(id=HANA_DATABASE).stale_at is not None
    # The SAP system learns its database is stale (UpdateDatabaseStaleAt).
    assert SapSystem.objects.get(id=clustered_db_host).database_stale_at is not None
    assert Host.objects.get(id=ASCS_HOST).heartbeat == "passing"


def test_a_host_that_beats_again_brings_its_data_back_in_sync(client, agent_key, clustered_db_host, shared_dir):
    repeats = [
        load(shared_dir, f"web/{name}.json")
        for name in ("ha_cluster_discovery_hana_scale_up", "sap_system_discovery_database")
    ]
    for envelope in repeats * 2:  # identical: nothing more to do (and known as such from now on)
        post(client, agent_key, envelope)
    stored = DiscoveryEvent.objects.count()
    stop_beating(DB_HOST)
    services.heartbeats_check()
    settle()

    beat(client, agent_key, DB_HOST)
    # Identical to the last discoveries, but processed again: the host's data was marked stale.
    for envelope in repeats:
        post(client, agent_key, envelope)

    assert DiscoveryEvent.objects.count() == stored + 2

    assert "ClusterDataMarkedInSync" in types(f"cluster-{HANA_CLUSTER}")
    assert Cluster.objects.get(id=HANA_CLUSTER).stale_at is None
    assert Database.objects.get(id=HANA_DATABASE).stale_at is None


def test_deregistration_is_refused_while_the_host_beats(client, admin_client, agent_key, clustered_db_host):
    response = admin_client.delete(f"/api/v1/hosts/{DB_HOST}")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "host_alive"
    assert "HostDeregistrationRequested" not in types(f"host-{DB_HOST}")


def test_deregistering_a_dead_host_cascades(client, admin_client, agent_key, clustered_db_host):
    stop_beating(DB_HOST)
    services.heartbeats_check()
    settle()

    assert admin_client.delete(f"/api/v1/hosts/{DB_HOST}").status_code == 204
    settle()

    assert types(f"host-{DB_HOST}")[-4:] == [
        "HostDeregistrationRequested",
        "SoftwareUpdatesDiscoveryCleared",
        "HostDeregistered",
        "HostTombstoned",
    ]
    assert types(f"cluster-{HANA_CLUSTER}")[-2:] == ["ClusterDeregistered", "ClusterTombstoned"]
    assert types(f"database-{HANA_DATABASE}")[-4:] == [
        "DatabaseInstanceDeregistered",
        "DatabaseDataMarkedInSync",
        "DatabaseDeregistered",
        "DatabaseTombstoned",
    ]
    assert types(f"sap_system-{clustered_db_host}")[-1] == "SapSystemDeregistered"
    assert Host.objects.get(id=DB_HOST).deregistered_at is not None
    assert admin_client.get(f"/api/v1/hosts/{DB_HOST}").status_code == 404
    assert [h["id"] for h in admin_client.get("/api/v1/hosts").json()["results"]] == sorted(
        [ASCS_HOST, APP_HOST], key=lambda h: {ASCS_HOST: "sapha1as", APP_HOST: "sapha1aas1"}[h]
    )
    assert admin_client.get("/api/v1/sap_systems").json()["results"] == []
    assert admin_client.get("/api/v1/databases").json()["results"] == []


def test_a_database_back_restores_its_sap_system_with_the_systems_tenant_and_address(
    client, admin_client, agent_key, clustered_db_host, shared_dir
):
    stop_beating(DB_HOST)
    services.heartbeats_check()
    settle()
    admin_client.delete(f"/api/v1/hosts/{DB_HOST}")
    settle()
    assert SapSystem.objects.get(id=clustered_db_host).deregistered_at is not None

    post(client, agent_key, host_envelope(shared_dir, DB_HOST, "vmhana01", DB_ADDRESS))
    post(client, agent_key, load(shared_dir, "web/sap_system_discovery_database.json"))
    settle()

    assert "DatabaseRestored" in types(f"database-{HANA_DATABASE}")
    (restored,) = [e for e in store.read_stream(f"sap_system-{clustered_db_host}") if e.type == "SapSystemRestored"]
    assert (restored.data["tenant"], restored.data["db_host"]) == ("PRD", DB_ADDRESS)
    assert restored.data["database_stale_at"] is None
    assert SapSystem.objects.get(id=clustered_db_host).deregistered_at is None


def test_a_deregistered_host_comes_back_with_its_next_discovery(
    client, admin_client, agent_key, clustered_db_host, shared_dir
):
    stop_beating(DB_HOST)
    services.heartbeats_check()
    settle()
    admin_client.delete(f"/api/v1/hosts/{DB_HOST}")
    settle()

    post(
        client,
        agent_key,
        as_agent(
            load(shared_dir, "web/host_discovery.json"),
            DB_HOST,
            hostname="vmhana01",
            ip_addresses=["10.74.1.12"],
            netmasks=[24],
        ),
    )

    # The same details as before it went: restored, and looked up again in SUSE Multi-Linux Manager.
    assert types(f"host-{DB_HOST}")[-2:] == ["HostRestored", "SoftwareUpdatesDiscoveryRequested"]
    assert Host.objects.get(id=DB_HOST).deregistered_at is None


def test_database_health_propagates_to_its_sap_systems(client, agent_key, sap_landscape, shared_dir):
    stopped = load(shared_dir, "web/sap_system_discovery_database.json")
    stopped["payload"][0]["Instances"][0]["SAPControl"]["Instances"][0]["dispstatus"] = "SAPControl-RED"

    post(client, agent_key, stopped)

    assert Database.objects.get(id=HANA_DATABASE).health == "critical"
    system = SapSystem.objects.get(id=sap_landscape)
    assert (system.database_health, system.health) == ("critical", "critical")
    assert types(f"sap_system-{sap_landscape}")[-2:] == ["SapSystemDatabaseHealthChanged", "SapSystemHealthChanged"]


def _rows() -> dict[str, list[dict]]:
    models = (Host, SlesSubscription, Cluster, Database, DatabaseInstance, SapSystem, ApplicationInstance)
    return {
        m.__name__: sorted(
            (
                model_to_dict(r, exclude=["id"]) | {"pk": str(r.pk) if not isinstance(r.pk, int) else None}
                for r in m.objects.all()
            ),
            key=repr,
        )
        for m in models
    }


def test_the_projections_rebuild_from_the_first_event_to_the_same_rows(
    client, agent_key, clustered_db_host, shared_dir
):
    post(client, agent_key, as_agent(load(shared_dir, "web/subscriptions_discovery.json"), DB_HOST))
    stop_beating(DB_HOST)
    services.heartbeats_check()
    settle()
    before = _rows()

    call_command("eventstore_catchup", "landscape.projections", "--from-start")

    assert _rows() == before
    assert before["SlesSubscription"]


def test_a_contract_on_a_landscape_event_creates_a_delivery_execution(client, agent_key, shared_dir):
    # What the data migration made (transactional tests elsewhere in the suite flush it): idempotent.
    importlib.import_module("apps.landscape.migrations.0002_hub_landscape_events").register(django_apps, None)
    landscape = System.objects.get(identifier="landscape")
    event_type = EventType.objects.get(identifier="ClusterHealthChanged")
    assert event_type.system == landscape
    ticketing = factories.system("Ticketing", role=System.Role.SUBSCRIBER)
    contract = factories.contract(event_type, factories.action(ticketing, name="open incident"))

    # A first report by another node registers the cluster with unknown health; the DC's then changes it.
    from_the_dc = load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json")
    post(client, agent_key, {**from_the_dc, "payload": {**from_the_dc["payload"], "DC": False}})
    post(client, agent_key, from_the_dc)
    catch_up("delivery.router")

    (changed,) = [e for e in store.read_stream(f"cluster-{HANA_CLUSTER}") if e.type == "ClusterHealthChanged"]
    (execution,) = Execution.objects.all()
    assert (execution.event_id, execution.contract) == (changed.event_id, contract)


def post_every_fixture_in_agent_order(client, agent_key: str, shared_dir) -> set[str]:
    """Every fixture envelope through the real endpoint, in the order agents send them (hosts first,
    databases before applications, the designated controller before the other nodes); the agent ids."""
    envelopes = [load(shared_dir, path) for path in envelope_paths(shared_dir)]
    hosts = {e["agent_id"] for e in envelopes}
    host_fixture = load(shared_dir, "web/host_discovery.json")
    order = [
        "host_discovery",
        "cloud_discovery",
        "subscription_discovery",
        "saptune_discovery",
        "sap_system_discovery",
        "ha_cluster_discovery",
    ]

    def rank(envelope):
        payload = envelope["payload"]
        applications = isinstance(payload, list) and any(s.get("Type") == 2 for s in payload)
        not_dc = isinstance(payload, dict) and payload.get("DC") is not True
        return (order.index(envelope["discovery_type"]) + 10 * applications, not_dc)

    for host in sorted(hosts - {host_fixture["agent_id"]}):
        assert collect(client, agent_key, as_agent(host_fixture, host)).status_code == 202
    for envelope in sorted(envelopes, key=rank):
        assert collect(client, agent_key, envelope).status_code == 202
        process()
    return hosts


def test_every_fixture_envelope_in_agent_order_is_processed_or_dead_lettered(client, agent_key, shared_dir):
    hosts = post_every_fixture_in_agent_order(client, agent_key, shared_dir)

    assert not DiscoveryEvent.objects.filter(state=DiscoveryEvent.State.PENDING).exists()
    # The 3 fixtures the policies reject, and the 3 application discoveries: no database of the
    # fixtures runs on their DBAddress.
    assert sorted(DiscardedDiscoveryEvent.objects.values_list("code", flat=True)) == [
        *["associated_database_not_found"] * 3,
        *["invalid_discovery"] * 3,
    ]
    assert Host.objects.count() == len(hosts)
    assert set(Cluster.objects.values_list("type", flat=True)) >= {"hana_scale_up", "hana_scale_out"}
    assert Database.objects.count() == 3


def test_an_absent_instance_can_be_removed_by_hand_and_a_present_one_cannot(
    client, admin_client, agent_key, shared_dir, sap_landscape
):
    sap_system = sap_landscape
    # The additional application server's host stops reporting its instance.
    post(client, agent_key, as_agent(load(shared_dir, "web/sap_system_discovery_empty.json"), APP_HOST))
    url = f"/api/v1/sap_systems/{sap_system}/hosts/{{host}}/instances/{{number}}"

    present = admin_client.delete(url.format(host=ASCS_HOST, number="00"))
    removed = admin_client.delete(url.format(host=APP_HOST, number="02"))
    settle()
    again = admin_client.delete(url.format(host=APP_HOST, number="02"))

    assert (present.status_code, present.json()["error"]["code"]) == (422, "instance_present")
    assert removed.status_code == 204
    assert (again.status_code, again.json()["error"]["code"]) == (404, "instance_not_found")
    assert ApplicationInstance.objects.filter(sap_system_id=sap_system, host_id=APP_HOST).count() == 0
    # Its only ABAP instance gone, what is left (the ASCS) is no SAP system any more (spec §4.4).
    assert types(f"sap_system-{sap_system}")[-2:] == ["ApplicationInstanceDeregistered", "SapSystemDeregistered"]
    assert admin_client.get(f"/api/v1/sap_systems/{sap_system}").status_code == 404


def test_an_absent_database_instance_can_be_removed_by_hand(client, admin_client, agent_key, shared_dir, sap_landscape):
    post(client, agent_key, as_agent(load(shared_dir, "web/sap_system_discovery_empty.json"), DB_HOST))

    response = admin_client.delete(f"/api/v1/databases/{HANA_DATABASE}/hosts/{DB_HOST}/instances/00")
    settle()

    assert response.status_code == 204
    assert not DatabaseInstance.objects.filter(database_id=HANA_DATABASE, host_id=DB_HOST).exists()
    assert "DatabaseInstanceDeregistered" in types(f"database-{HANA_DATABASE}")


def test_saptune_health_follows_whether_the_host_runs_sap(client, admin_client, agent_key, shared_dir):
    post(client, agent_key, host_envelope(shared_dir, DB_HOST, "vmhana01", DB_ADDRESS))
    post(client, agent_key, as_agent(load(shared_dir, "web/saptune_discovery.json"), DB_HOST))
    assert Host.objects.get(id=DB_HOST).saptune_health == "passing"  # no SAP here: saptune does not matter

    # A HANA instance arrives: the same saptune status ("not compliant") now matters.
    post(client, agent_key, load(shared_dir, "web/sap_system_discovery_database.json"))
    assert Host.objects.get(id=DB_HOST).saptune_health == "critical"

    # The instance goes away (absent, then removed by hand): saptune stops mattering again.
    post(client, agent_key, as_agent(load(shared_dir, "web/sap_system_discovery_empty.json"), DB_HOST))
    assert admin_client.delete(f"/api/v1/databases/{HANA_DATABASE}/hosts/{DB_HOST}/instances/00").status_code == 204
    settle()
    assert Host.objects.get(id=DB_HOST).saptune_health == "passing"
    saptune_changes = [e.data["saptune_health"] for e in store.read_stream(f"host-{DB_HOST}")
                       if e.type == "HostSaptuneHealthChanged"]  # fmt: skip
    assert saptune_changes == ["passing", "critical", "passing"]


def stopped_secondary_tiers(client, agent_key, shared_dir, *, primary_has_tier=True, active_primary_site="1"):
    """The tiers the read model holds once the primary (site id 1) and then a stopped secondary reported."""
    post(client, agent_key, host_envelope(shared_dir, DB_HOST, "vmhana01", DB_ADDRESS))
    post(client, agent_key, host_envelope(shared_dir, APP_HOST, "vmhana02", "10.74.1.13"))
    primary = load(shared_dir, "web/sap_system_discovery_database.json")
    if not primary_has_tier:
        del primary["payload"][0]["Instances"][0]["HdbnsutilSRstate"]["siteTier/Site1"]
    post(client, agent_key, primary)
    secondary = as_agent(load(shared_dir, "web/sap_system_discovery_database_secondary.json"), APP_HOST)
    state = secondary["payload"][0]["Instances"][0]["HdbnsutilSRstate"]
    for key in [key for key in state if key.startswith("siteTier/")]:
        del state[key]  # stopped: hdbnsutil no longer reports the tiers, only the active primary's site id
    state["active_primary_site"] = active_primary_site

    post(client, agent_key, secondary)

    return dict(
        DatabaseInstance.objects.filter(database_id=HANA_DATABASE).values_list(
            "system_replication", "system_replication_tier"
        )
    )


def test_a_stopped_secondary_gets_the_tier_below_its_active_primary_site(client, agent_key, shared_dir):
    assert stopped_secondary_tiers(client, agent_key, shared_dir) == {"Primary": 1, "Secondary": 2}
    assert DatabaseInstance.objects.get(host_id=DB_HOST).system_replication_site_id == 1


def test_a_stopped_secondary_has_no_tier_when_no_instance_of_its_active_primary_site_is_known(
    client, agent_key, shared_dir
):
    tiers = stopped_secondary_tiers(client, agent_key, shared_dir, active_primary_site="3")
    assert tiers == {"Primary": 1, "Secondary": None}


def test_a_stopped_secondary_has_no_tier_when_its_active_primary_site_has_none(client, agent_key, shared_dir):
    tiers = stopped_secondary_tiers(client, agent_key, shared_dir, primary_has_tier=False)
    assert tiers == {"Primary": None, "Secondary": None}
