from apps.discovery.enrichment import enrich
from tests.discovery.support import run


def enriched_registration(envelope):
    *_, command = run(envelope)
    assert command.type == "RegisterOnlineClusterHost"
    return enrich(command).payload


def with_lpt(cluster, value):
    for node in cluster["payload"]["Crmmon"]["NodeAttributes"]["Nodes"]:
        for attribute in node["Attributes"]:
            if attribute["Name"] == "lpa_prd_lpt":
                attribute["Value"] = value
    return cluster


def test_enrichment_strips_the_lpt_attribute_of_a_scale_up_cluster_so_an_unchanged_one_registers_alike(envelope):
    first = enriched_registration(with_lpt(envelope("web/ha_cluster_discovery_hana_scale_up.json"), "1571392102"))
    later = enriched_registration(with_lpt(envelope("web/ha_cluster_discovery_hana_scale_up.json"), "1999999999"))
    assert first == later
    assert all("lpa_prd_lpt" not in node["attributes"] for node in first["details"]["nodes"])
    assert first["details"]["nodes"][0]["attributes"]["hana_prd_site"] == "PRIMARY_SITE_NAME"


def test_enrichment_leaves_other_cluster_types_as_they_are(envelope):
    *_, command = run(envelope("web/ha_cluster_discovery_hana_scale_out.json"))
    assert enrich(command) == command
    *_, command = run(envelope("web/ha_cluster_discovery_ascs_ers_invalid.json"))
    assert command.payload["details"] is None
    assert enrich(command) == command
