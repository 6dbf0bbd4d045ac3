import pytest

from apps.discovery.policies import InvalidDiscovery, PolicyContext, check_envelope, policy_for, validate_envelope

AGENT = "779cdd70-e9e2-58ca-b18a-bf3eb3f71244"


def errors(envelope):
    return [(e.path, e.message) for e in validate_envelope(envelope)]


@pytest.mark.parametrize("payload", [{}, [], [{"a": 1}], None])
def test_it_accepts_an_object_an_array_of_objects_or_null_payload(payload):
    assert errors({"agent_id": AGENT, "discovery_type": "host_discovery", "payload": payload}) == []


def test_it_names_every_missing_field():
    assert errors({}) == [
        ("/agent_id", "is required"),
        ("/discovery_type", "is required"),
        ("/payload", "is required"),
    ]


def test_it_rejects_a_malformed_agent_id_and_a_non_string_discovery_type():
    found = errors({"agent_id": "not-a-uuid", "discovery_type": 3, "payload": None})
    assert [path for path, _ in found] == ["/agent_id", "/discovery_type"]


def test_it_rejects_additional_properties():
    envelope = {"agent_id": AGENT, "discovery_type": "x", "payload": None, "extra": 1}
    assert errors(envelope) == [("/extra", "is not allowed")]


@pytest.mark.parametrize("payload", ["text", 3, [1, 2], [{"a": 1}, "b"]])
def test_it_rejects_a_payload_that_is_neither_object_array_of_objects_nor_null(payload):
    found = errors({"agent_id": AGENT, "discovery_type": "x", "payload": payload})
    assert found == [("/payload", "must be an object, an array of objects or null")]


def test_check_envelope_raises_with_the_errors():
    with pytest.raises(InvalidDiscovery) as rejected:
        check_envelope({"agent_id": AGENT, "payload": None})
    assert [e.as_dict() for e in rejected.value.errors] == [{"path": "/discovery_type", "message": "is required"}]


def test_an_unknown_discovery_type_has_no_policy():
    with pytest.raises(InvalidDiscovery) as rejected:
        policy_for("toaster_discovery")
    assert rejected.value.errors[0].path == "/discovery_type"


def test_payload_errors_point_into_the_payload():
    envelope = {"agent_id": AGENT, "discovery_type": "sap_system_discovery", "payload": [{"Type": "one"}]}
    with pytest.raises(InvalidDiscovery) as rejected:
        policy_for("sap_system_discovery")(envelope, PolicyContext())
    assert rejected.value.errors[0].path == "/payload/0/Type"
