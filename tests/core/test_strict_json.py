"""Bodies Junction accepts are read exactly as the standard library reads them, whichever decoder ran."""

import json

import pytest

from apps.core import strict_json

ACCEPTED = [
    '{"id": 1, "at": "12:00:00", "url": "https://a.example:8443/x?y=1"}',
    '{"a:b": {"c:": [":", "::", {"d": ":"}]}, "e": ""}',
    '{"n": 9223372036854775807, "m": -9223372036854775807, "f": 1.5e308, "z": -0.0}',
    '{"long id as text": "12345678901234567890123", "colon": "\\u003a"}',
    '{"name": "Zo\\u00eb", "emoji": "\\ud83d\\ude00", "plain": "Zoë"}',
    '[{"a": 1}, {"a": 1}, {"a": {"a": {"a": null}}}]',
    '"just a text"',
    "  [true, false, null, 0, 1e2]  ",
    "[" * 64 + "]" * 64,
]


@pytest.mark.parametrize("body", ACCEPTED)
def test_an_accepted_body_reads_as_the_standard_library_reads_it(body):
    value = strict_json.loads(body.encode())

    assert value == json.loads(body)
    assert json.dumps(value, sort_keys=True) == json.dumps(json.loads(body), sort_keys=True)
    assert [type(number) for number in _numbers(value)] == [type(number) for number in _numbers(json.loads(body))]


def _numbers(value):
    if isinstance(value, dict):
        return [number for child in value.values() for number in _numbers(child)]
    if isinstance(value, list):
        return [number for child in value for number in _numbers(child)]
    return [value] if isinstance(value, int | float) else []
