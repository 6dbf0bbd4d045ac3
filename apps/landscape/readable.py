"""What agents report (JSON) as a person reads it: an object as label/value rows, a list of records as a
small table with a header, objects inside objects flattened into "Parent > child" rows. Nothing is left
out: a value of an unexpected shape is still shown, as a list."""

from datetime import datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.timezone import localtime

EMPTY = "-"
LEADING = ("name", "id")  # what a record is called comes first; the rest alphabetically, whatever the database
SEPARATOR = " \u203a "  # the admin's breadcrumb arrow


def readable(value: Any) -> SafeString:
    """Any JSON value (strings may be safe HTML, such as links) as HTML."""
    if isinstance(value, dict):
        return _rows(value) if value else format_html("{}", EMPTY)
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return _records(value)
    if _nested(value):
        items = format_html_join("", "<li>{}</li>", ((readable(item),) for item in value))
        return format_html('<ul class="readable">{}</ul>', items)
    return format_html("{}", text(value))


def text(value: Any) -> str:
    """A plain value in words: nothing is "-", true is "yes", a list of plain values is comma-separated
    (and a time, from a model rather than JSON, is to the second as everywhere in the admin)."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return date_format(localtime(value), "DATETIME_FORMAT")
    if isinstance(value, list):
        return ", ".join(text(item) for item in value)
    return value if isinstance(value, str) else str(value)


def label(key: Any) -> str:
    return capfirst(str(key).replace("_", " "))


def _flat(record: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key in _ordered(record):
        value = record[key]
        name = f"{prefix}{SEPARATOR}{label(key)}" if prefix else label(key)
        pairs.extend(_flat(value, name) if isinstance(value, dict) and value else [(name, value)])
    return pairs


def _rows(record: dict[str, Any]) -> SafeString:
    rows = format_html_join("", "{}", ((_row(name, value),) for name, value in _flat(record)))
    return format_html('<table class="readable"><tbody>{}</tbody></table>', rows)


def _row(name: str, value: Any) -> SafeString:
    """A table in a row gets the row's whole width, under its label: cluster nodes hold tables of their own."""
    if _nested(value):  # flattened objects never get here: a list with lists or records in it
        return format_html(
            '<tr><th colspan="2" scope="rowgroup">{}</th></tr><tr><td colspan="2" class="block">{}</td></tr>',
            name,
            readable(value),
        )
    return format_html('<tr><th scope="row">{}</th><td>{}</td></tr>', name, readable(value))


def _records(records: list[dict[str, Any]]) -> SafeString:
    """Plain records share one table; records holding records (a node and its resources) get a table each."""
    if any(_nested(value) for record in records for value in record.values()):
        return format_html_join("", "{}", ((_rows(record),) for record in records))
    columns = _ordered(dict.fromkeys(key for record in records for key in record))
    head = format_html_join("", '<th scope="col">{}</th>', ((label(column),) for column in columns))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((readable(r.get(c)),) for c in columns)),) for r in records),
    )
    return format_html('<table class="readable"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body)


def _ordered(keys: Any) -> list[Any]:
    """PostgreSQL keeps an object's keys in an order of its own, so the order shown is chosen here."""
    return sorted(keys, key=lambda key: (LEADING.index(key) if key in LEADING else len(LEADING), str(key)))


def _nested(value: Any) -> bool:
    """Holds something a table cell cannot show as plain text."""
    if isinstance(value, list):
        return any(isinstance(item, list | dict) for item in value)
    return isinstance(value, dict) and bool(value)
