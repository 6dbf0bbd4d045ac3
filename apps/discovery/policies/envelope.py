"""The collect envelope contract and the error every policy raises on data it cannot use.

Paths are JSON Pointers (RFC 6901) into the envelope, e.g. ``/payload/0/Instances/1/SAPControl``:
payload keys such as ``dbs/hdb/dbname`` contain slashes, which a pointer escapes unambiguously.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["agent_id", "discovery_type", "payload"],
    "additionalProperties": False,
    "properties": {
        "agent_id": {"type": "string", "format": "uuid"},
        "discovery_type": {"type": "string"},
        "payload": {
            "anyOf": [
                {"type": "object"},
                {"type": "array", "items": {"type": "object"}},
                {"type": "null"},
            ]
        },
    },
}

_validator = Draft202012Validator(ENVELOPE_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class InvalidDiscovery(ValueError):
    """The envelope or its payload cannot be turned into commands (the API answers 422, the event is
    dead-lettered with these errors)."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.path or '/'}: {e.message}" for e in self.errors))


def pointer(*parts: str | int) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def validate_envelope(envelope: Any) -> list[FieldError]:
    """Every way ``envelope`` breaks the collect contract, sorted by path (empty when it is valid)."""
    errors = []
    for error in _validator.iter_errors(envelope):
        parts: list[str | int] = list(error.absolute_path)
        if error.validator == "required":
            missing = [name for name in error.validator_value if name not in error.instance]
            errors += [FieldError(pointer(*parts, name), "is required") for name in missing]
        elif error.validator == "additionalProperties":
            extra = [name for name in error.instance if name not in ENVELOPE_SCHEMA["properties"]]
            errors += [FieldError(pointer(*parts, name), "is not allowed") for name in extra]
        elif error.validator == "anyOf":
            errors.append(FieldError(pointer(*parts), "must be an object, an array of objects or null"))
        else:
            errors.append(FieldError(pointer(*parts), error.message))
    # jsonschema reports a "required" failure once per missing property: keep each error once.
    return sorted(set(errors), key=lambda e: (e.path, e.message))


def check_envelope(envelope: Any) -> Mapping[str, Any]:
    """``envelope`` itself when valid; raises ``InvalidDiscovery`` otherwise."""
    if errors := validate_envelope(envelope):
        raise InvalidDiscovery(errors)
    return envelope
