"""Request templates: JSON values whose strings can take parts of an event with JSONPath.

``"{{ $.body.customer.id }}"`` alone in a string is replaced by the value itself (a number stays a
number, an object stays an object); inside a longer string, ``"Customer {{ $.body.customer.id }}"``,
the value is written as text. ``{{ $.body.phone ?? "" }}`` gives a default (any JSON value) for
events that lack the value; without one, such an event cannot be delivered. The event is seen as
``{"body": …, "headers": …, "query": …, "event": {"id", "type", "received_at"}}``; header names are lower case.
"""

import json
import re
from functools import lru_cache
from typing import Any

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
DEFAULT = re.compile(r"^(.*?)\?\?(.*)$", re.S)
MISSING = object()


class TemplateError(ValueError):
    """A template or JSONPath that cannot be used, with where it is."""

    def __init__(self, message: str, where: str = ""):
        self.message, self.where = message, where
        super().__init__(f"{where}: {message}" if where else message)


@lru_cache(maxsize=4096)
def compile_path(expression: str):
    expression = expression.strip()
    if not expression.startswith("$"):
        raise TemplateError(f"{expression!r} is not a JSONPath: it must start with '$', like $.body.id")
    try:
        return parse(expression)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:
        raise TemplateError(f"{expression!r} is not a valid JSONPath ({exc})") from None


def _walk(value: Any, where: str):
    """Yield (location, string) for every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{where}.{key}" if where else str(key), str(key)
            yield from _walk(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}[{index}]")


def validate(value: Any, where: str = "") -> None:
    """Raise ``TemplateError`` naming the field and position of the first bad placeholder."""
    for location, text in _walk(value, where):
        opened, closed = text.count("{{"), text.count("}}")
        if opened != closed:
            raise TemplateError("a placeholder is not closed: every '{{' needs a '}}'", location)
        for match in PLACEHOLDER.finditer(text):
            try:
                _placeholder(match.group(1))
            except TemplateError as exc:
                raise TemplateError(f"{exc.message} (at character {match.start() + 1})", location) from None


def find(expression: str, context: Any) -> Any:
    """The value at ``expression``: one match gives the value, several give a list, none gives MISSING.

    A path that fails on this event's values (an extension applied to a value of the wrong type, a
    filter comparing an object with a number ...) raises ``TemplateError`` saying so.
    """
    path = compile_path(expression)
    target = [context] if expression.strip().startswith("$[?") else context
    try:
        matches = [match.value for match in path.find(target)]
    except Exception as exc:  # jsonpath-ng raises what the values make it raise
        raise TemplateError(f"{expression.strip()} cannot be evaluated on this event: {_reason(exc)}") from None
    if not matches:
        return MISSING
    return matches[0] if len(matches) == 1 else matches


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[0].lower() + text[1:]


@lru_cache(maxsize=4096)
def _placeholder(text: str) -> tuple[str, Any]:
    """A placeholder's JSONPath and its default (``MISSING`` when it has none)."""
    parts = DEFAULT.match(text)
    if parts is None:
        compile_path(text)
        return text.strip(), MISSING
    expression, default = parts.group(1).strip(), parts.group(2).strip()
    compile_path(expression)
    try:
        return expression, json.loads(default)
    except ValueError:
        raise TemplateError(
            f'the default after ?? in {{{{ {text.strip()} }}}} must be a JSON value, such as "text", 0 or null'
        ) from None


def _value(text: str, context: dict[str, Any], where: str) -> Any:
    expression, default = _placeholder(text)
    try:
        value = find(expression, context)
    except TemplateError as exc:
        raise TemplateError(exc.message, where) from None
    if value is MISSING:
        if default is not MISSING:
            return default
        event = context["event"]
        raise TemplateError(
            f"the event {event['type']} {event['id']} has no value at {expression}; if it may be missing, "
            f'give a default: {{{{ {expression} ?? "" }}}}',
            where,
        )
    return value


def _render_string(text: str, context: dict[str, Any], where: str) -> Any:
    whole = PLACEHOLDER.fullmatch(text.strip())
    if whole:
        return _value(whole.group(1), context, where)

    def substitute(match: re.Match) -> str:
        value = _value(match.group(1), context, where)
        return value if isinstance(value, str) else json.dumps(value)

    return PLACEHOLDER.sub(substitute, text)


def render(value: Any, context: dict[str, Any], where: str = "") -> Any:
    """Render a template value against an event context."""
    if isinstance(value, str):
        return _render_string(value, context, where) if "{{" in value else value
    if isinstance(value, dict):
        return {
            str(render(key, context, where)): render(item, context, f"{where}.{key}" if where else key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [render(item, context, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


def matches(condition: str, context: dict[str, Any]) -> bool:
    """Whether a contract's condition holds: the JSONPath finds a value that is not false or null."""
    value = find(condition, context)
    if value is MISSING:
        return False
    values = value if isinstance(value, list) else [value]
    return any(item not in (None, False) for item in values)
