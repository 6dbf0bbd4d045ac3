"""JSON that every reader of it takes the same way, or a clear refusal.

Parsers disagree on some JSON: ``NaN`` and ``Infinity`` (not JSON at all), numbers no double can
hold (``1e400``), integers past 64 bits, duplicate keys (the first or the last wins?), lone UTF-16
surrogates, and NUL characters (PostgreSQL refuses them in text and jsonb). Junction accepts none of
them, nor nesting deeper than ``MAX_DEPTH``, and says which rule a body broke and where.
"""

import json
import math
import re
from typing import Any

import orjson

#: Objects and arrays nested deeper than this are refused.
MAX_DEPTH = 64
#: Integers beyond a signed 64-bit integer are refused (many consumers cannot hold them).
MAX_INTEGER = 2**63 - 1


class InvalidJson(ValueError):
    """The body is not JSON that Junction accepts; ``message`` says why and where."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


#: ``_fast``'s answer when the standard library must read the body.
_SLOW = object()

#: Escapes that decode to a NUL or to a UTF-16 surrogate: only a body holding one needs its texts read.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _refuse_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not a JSON number: send a finite number or null.")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        key = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise InvalidJson(f"The key {key[:50]!r} appears twice in one object.")
    return result


def loads(raw: bytes | str) -> Any:
    """Decode a JSON body (UTF-8, no byte order mark); ``InvalidJson`` says what is refused.

    orjson does the parsing, or the standard library's decoder when orjson would read the body
    differently or finds it invalid (and the standard library then says why); one walk over the
    containers then checks depth and numbers, and texts only when the body holds an escape that could
    make a NUL or a lone surrogate."""
    if isinstance(raw, bytes):
        if raw.startswith(b"\xef\xbb\xbf"):
            raise InvalidJson("The body starts with a byte order mark: send UTF-8 without one.")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJson(f"The body is not UTF-8 (byte {exc.start + 1}).") from None
    value = _fast(raw)
    slow = value is _SLOW or not _plain(value)
    if slow:  # orjson refused it, or a number is out of range (orjson reads integers past 64 bits as doubles)
        value = _standard(raw)
    texts = "\\u" in raw and _SUSPECT_ESCAPE.search(raw) is not None
    if slow or texts:
        _check(value, texts=texts)  # find what is wrong, and where
    return value


def _fast(raw: str) -> Any:
    """The body as orjson reads it, or ``_SLOW`` when only the standard library can tell.

    orjson keeps the last of duplicate keys without a word, so they are counted: outside texts, a
    colon follows each key and nothing else, and orjson's own text of the value holds one colon per
    distinct key plus those inside texts, so the body holds more colons only if a key repeats (a colon
    written as an escape would hide one)."""
    if "\\u003" in raw:
        return _SLOW
    try:
        value = orjson.loads(raw)
        return value if raw.count(":") == orjson.dumps(value).count(b":") else _SLOW
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # invalid, or nested deeper than orjson writes
        return _SLOW


def _standard(raw: str) -> Any:
    try:
        return json.loads(raw, parse_constant=_refuse_constant, object_pairs_hook=_object)
    except InvalidJson:
        raise
    except RecursionError:
        raise InvalidJson(f"The body is nested deeper than {MAX_DEPTH} levels.") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # more digits than Python converts
            raise InvalidJson("An integer in the body is beyond 64 bits.") from None
        raise InvalidJson(f"The body is not valid JSON: {exc}.") from None


def _plain(value: Any) -> bool:
    """Nested at most ``MAX_DEPTH`` deep, with every number in range: the cheap check every body gets,
    level by level, looking at nothing but containers and numbers."""
    level, depth = [value], 0
    while level:
        depth += 1
        containers = []
        for item in level:
            for child in item.values() if isinstance(item, dict) else item if isinstance(item, list) else (item,):
                kind = child.__class__
                if kind is dict or kind is list:
                    containers.append(child)
                elif (kind is int or kind is float) and not -MAX_INTEGER <= child <= MAX_INTEGER:
                    return False  # beyond 64 bits, or a double that large (infinite, or an integer orjson read)
        if containers and depth >= MAX_DEPTH:
            return False
        level = containers
    return True


def _check_number(value: int | float, path: str) -> None:
    if isinstance(value, float):
        if math.isinf(value):
            raise InvalidJson(f"The number at {path} is too large for a double.")
    elif not isinstance(value, bool) and abs(value) > MAX_INTEGER:
        raise InvalidJson(f"The integer at {path} is beyond 64 bits.")


def _check(value: Any, *, texts: bool) -> None:
    """Depth, numbers and (when asked) texts, saying where, walked without recursion."""
    stack = [(value, 1, "$")] if isinstance(value, dict | list) else []
    while stack:
        item, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidJson(f"The body is nested deeper than {MAX_DEPTH} levels (at {path}).")
        children = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"))
            elif isinstance(child, int | float):
                _check_number(child, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
            elif texts and isinstance(child, str):
                _check_text(child, f"{path}.{key}")
            if texts and isinstance(key, str):
                _check_text(key, f"{path} (a key)")
    if isinstance(value, int | float):
        _check_number(value, "$")
    elif texts and isinstance(value, str):
        _check_text(value, "$")


def _check_text(text: str, path: str) -> None:
    if "\x00" in text:
        raise InvalidJson(f"The text at {path} contains a NUL character (\\u0000), which cannot be stored.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJson(f"The text at {path} contains a lone UTF-16 surrogate, which is not valid Unicode.") from None
