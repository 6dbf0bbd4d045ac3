"""JSON that every reader of it takes the same way, or a clear refusal.

Parsers disagree on some JSON: ``NaN`` and ``Infinity`` (not JSON at all), numbers no double can
hold (``1e400``), integers past 64 bits, duplicate keys (the first or the last wins?), lone UTF-16
surrogates, and NUL characters (PostgreSQL refuses them in text and jsonb). Junction accepts none of
them, nor nesting deeper than ``MAX_DEPTH``, and says which rule a body broke and where.
"""

import json
import math
from typing import Any

#: Objects and arrays nested deeper than this are refused.
MAX_DEPTH = 64
#: Integers beyond a signed 64-bit integer are refused (many consumers cannot hold them).
MAX_INTEGER = 2**63 - 1


class InvalidJson(ValueError):
    """The body is not JSON that Junction accepts; ``message`` says why and where."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refuse_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not a JSON number: send a finite number or null.")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(value := int(text)) > MAX_INTEGER:
        raise InvalidJson(f"The integer {text[:30]}{'…' if len(text) > 30 else ''} is beyond 64 bits.")
    return value


def _number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise InvalidJson(f"The number {text[:30]} is too large for a double.")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidJson(f"The key {key[:50]!r} appears twice in one object.")
        result[key] = value
    return result


def loads(raw: bytes | str) -> Any:
    """Decode a JSON body (UTF-8, no byte order mark); ``InvalidJson`` says what is refused."""
    if isinstance(raw, bytes):
        if raw.startswith(b"\xef\xbb\xbf"):
            raise InvalidJson("The body starts with a byte order mark: send UTF-8 without one.")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJson(f"The body is not UTF-8 (byte {exc.start + 1}).") from None
    try:
        value = json.loads(
            raw,
            parse_constant=_refuse_constant,
            parse_int=_integer,
            parse_float=_number,
            object_pairs_hook=_object,
        )
    except InvalidJson:
        raise
    except RecursionError:
        raise InvalidJson(f"The body is nested deeper than {MAX_DEPTH} levels.") from None
    except ValueError as exc:
        raise InvalidJson(f"The body is not valid JSON: {exc}.") from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Depth, NUL characters and lone surrogates, walked without recursion."""
    stack = [(value, 1, "$")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            _check_text(item, path)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise InvalidJson(f"The body is nested deeper than {MAX_DEPTH} levels (at {path}).")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, f"{path} (a key)")
                stack.append((child, depth + 1, f"{path}.{key[:50]}"))
        else:
            stack.extend((child, depth + 1, f"{path}[{index}]") for index, child in enumerate(item))


def _check_text(text: str, path: str) -> None:
    if "\x00" in text:
        raise InvalidJson(f"The text at {path} contains a NUL character (\\u0000), which cannot be stored.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJson(f"The text at {path} contains a lone UTF-16 surrogate, which is not valid Unicode.") from None
