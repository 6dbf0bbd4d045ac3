"""The event log for outside consumers: the feed read from a cursor, and commands sent over REST.

A consumer keeps its cursor: the position of the last event it was given (0 to start). A page holds
the next events in the store's read order, never past an event whose transaction may still commit,
so a consumer that always asks from its last position sees every committed event once, in order.
Secrets never leave: any payload field whose name says it holds one reads ``[hidden]``.
"""

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.db import DatabaseError
from jsonschema import Draft202012Validator

from apps.core.api import ApplicationError
from apps.eventlog.models import LogAccess
from apps.eventstore import store
from apps.eventstore.commands import CommandRejected, public_commands
from apps.eventstore.models import CommandRecord
from apps.eventstore.store import RecordedEvent
from apps.hub.models import System

logger = logging.getLogger(__name__)

HIDDEN = "[hidden]"
#: A field whose name holds one of these (in any case) holds a secret.
_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "api_key", "api-key", "authorization", "cookie",
                 "credential", "privatekey", "private_key", "private-key")  # fmt: skip
_SECRET_NAME = re.compile("|".join(_SECRET_WORDS), re.IGNORECASE)
_SECRET_BYTES = tuple(word.encode() for word in _SECRET_WORDS)


def _may_hold_secrets(text: bytes) -> bool:
    """Whether JSON text mentions a secret's name anywhere (a plain search: far faster than a pattern)."""
    lowered = text.lower()
    return any(word in lowered for word in _SECRET_BYTES)


def access_for(system: System) -> LogAccess | None:
    return LogAccess.objects.filter(system=system).first()


def feed_access(system: System) -> LogAccess:
    """The system's access to the feed, or the 403 saying how to get it."""
    access = access_for(system)
    if access is None or not access.reads_feed:
        raise ApplicationError(
            "feed_not_allowed",
            f"{system.name} may not read the event log. In the admin, give it access under Event log access.",
            status_code=403,
        )
    return access


@dataclass(frozen=True)
class FeedFilter:
    """Which events a consumer reads: ``types`` (None: all), a stream id prefix, one correlation."""

    types: frozenset[str] | None = None
    stream_prefix: str = ""
    correlation_id: UUID | None = None

    @classmethod
    def of(cls, access: LogAccess, *, types: list[str] | None, stream_prefix: str, correlation_id: UUID | None):
        """The consumer's own filter within what its access allows."""
        allowed = frozenset(access.event_types) if access.event_types else None
        wanted = frozenset(types) if types else None
        if wanted is not None and allowed is not None and (refused := wanted - allowed):
            raise ApplicationError(
                "event_types_not_allowed",
                f"{access.system.name} may not read {', '.join(sorted(refused))}; "
                f"it may read {', '.join(sorted(allowed))}.",
                status_code=403,
            )
        return cls(wanted or allowed, stream_prefix, correlation_id)

    @property
    def selective(self) -> bool:
        return self.types is not None or bool(self.stream_prefix) or self.correlation_id is not None

    def wants(self, event: store.Scanned) -> bool:
        return (
            (self.types is None or event.type in self.types)
            and event.stream_id.startswith(self.stream_prefix)
            and (self.correlation_id is None or event.correlation_id == self.correlation_id)
        )


@dataclass(frozen=True)
class Page:
    events: list[RecordedEvent]
    #: The cursor to ask from next: the last event given, or the last one looked at.
    next: int

    def as_json(self, *, limit: int) -> bytes:
        """The page as the feed answers it. Most pages hold no field named like a secret, which one
        search of the whole text tells; only a page that may is looked at event by event."""
        page = {"events": [_view(event, event.data) for event in self.events], "next": self.next}
        page["has_more"] = len(self.events) == limit
        text = orjson.dumps(page, option=orjson.OPT_UTC_Z)
        if not _may_hold_secrets(text):
            return text
        page["events"] = [outside_view(event) for event in self.events]
        return orjson.dumps(page, option=orjson.OPT_UTC_Z)


def _cursor(after: int) -> tuple[int, int]:
    if after == 0:
        return 0, 0
    cursor = store.cursor_at(after)
    if cursor is None:
        raise ApplicationError(
            "unknown_position",
            f"No event has position {after}. Ask from 0, or from the position of the last event you were given.",
            status_code=400,
        )
    return cursor


def feed_page(*, after: int, limit: int, where: FeedFilter) -> Page:
    """The next events after position ``after`` (0: from the start) that ``where`` wants.

    A selective filter looks at no more than ``EVENTLOG_SCAN_WINDOW`` events per page, so a consumer
    of rare events still moves on: ``next`` is then the last event looked at.
    """
    cursor = _cursor(after)
    if not where.selective:
        events = store.read_after(*cursor, limit=limit)
        return Page(events, events[-1].position if events else after)
    scanned = store.scan_after(*cursor, limit=max(limit, settings.EVENTLOG_SCAN_WINDOW))
    picked = [event.position for event in scanned if where.wants(event)][:limit]
    if len(picked) == limit:
        return Page(store.events_at(picked), picked[-1])
    return Page(store.events_at(picked), scanned[-1].position if scanned else after)


def feed_wait(
    *, after: int, limit: int, where: FeedFilter, seconds: float, gone: Callable[[], bool] = lambda: False
) -> Page:
    """``feed_page``, waiting up to ``seconds`` for a first event (long polling)."""
    deadline = time.monotonic() + seconds
    while True:
        page = feed_page(after=after, limit=limit, where=where)
        if page.events or time.monotonic() >= deadline or gone():
            return page
        after = page.next
        time.sleep(min(settings.EVENTLOG_POLL_SECONDS, max(0.0, deadline - time.monotonic())))


def feed_stream(
    *, after: int, where: FeedFilter, gone: Callable[[], bool], seconds: float | None = None
) -> Iterator[bytes]:
    """Server-Sent Events: each event as it is committed, its position as the event id (what the
    browser sends back as Last-Event-ID on reconnecting), a comment now and then to keep the line
    open. It ends after ``EVENTLOG_STREAM_SECONDS``; the client reconnects and resumes."""
    deadline = time.monotonic() + (seconds if seconds is not None else settings.EVENTLOG_STREAM_SECONDS)
    quiet_since = time.monotonic()
    yield f"retry: {settings.EVENTLOG_STREAM_RETRY_MS}\n\n".encode()
    while not gone() and time.monotonic() < deadline:
        try:
            page = feed_page(after=after, limit=settings.EVENTLOG_STREAM_BATCH, where=where)
        except DatabaseError:  # the database restarting: the client comes back with Last-Event-ID
            logger.warning("A Server-Sent Events stream ended: the event store cannot be read", exc_info=True)
            return
        after = page.next
        if page.events:
            yield b"".join(
                b"id: %d\ndata: %s\n\n" % (event.position, orjson.dumps(outside_view(event), option=orjson.OPT_UTC_Z))
                for event in page.events
            )
            quiet_since = time.monotonic()
            continue
        if time.monotonic() - quiet_since >= settings.EVENTLOG_KEEPALIVE_SECONDS:
            yield b": keep-alive\n\n"
            quiet_since = time.monotonic()
        time.sleep(settings.EVENTLOG_POLL_SECONDS)


def outside_view(event: RecordedEvent) -> dict[str, Any]:
    """An event as outside consumers read it (in the feed, on a log platform): secrets hidden."""
    return _view(event, without_secrets(event.data))


def _view(event: RecordedEvent, data: Any) -> dict[str, Any]:
    return {
        "position": event.position,
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "type": event.type,
        "schema_version": event.schema_version,
        "data": data,
        "event_id": event.event_id,
        "cause_id": event.cause_id,
        "correlation_id": event.correlation_id,
        "actor": event.actor,
        "recorded_at": event.recorded_at,
    }


def without_secrets(data: Any) -> Any:
    """``data`` with the value of every field named like a secret replaced by ``[hidden]``."""
    return _hide(data) if _may_hold_secrets(orjson.dumps(data)) else data


def _hide(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: HIDDEN if _SECRET_NAME.search(str(key)) else _hide(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_hide(item) for item in value]
    return value


# --- commands over REST -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandAnswer:
    command_id: UUID
    type: str
    target: str
    events: list[RecordedEvent]
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "command_id": self.command_id,
            "type": self.type,
            "target": self.target,
            "correlation_id": self.command_id,
            "events": [
                {"event_id": e.event_id, "type": e.type, "stream_id": e.stream_id, "position": e.position}
                for e in self.events
            ],
        }


def public_commands_for(system: System) -> list[dict[str, Any]]:
    """The public commands, and whether ``system`` may send each."""
    access = access_for(system)
    granted = set(access.commands) if access else set()
    return [
        {
            "type": spec.type,
            "title": spec.title,
            "target": spec.target,
            "description": spec.description,
            "payload_schema": spec.payload_schema,
            "granted": spec.type in granted,
        }
        for spec in sorted(public_commands().values(), key=lambda spec: spec.type)
    ]


def command_send(
    *, system: System, actor: str, command_id: UUID, command_type: str, target: str, payload: dict[str, Any]
) -> CommandAnswer:
    """Run a public command for ``system`` under the sender's id. The same id again gives the first
    answer (the events it recorded, or its rejection) without running anything."""
    spec = public_commands().get(command_type)
    if spec is None:
        raise ApplicationError(
            "unknown_command",
            f"There is no public command {command_type!r}. Public commands: {', '.join(sorted(public_commands()))}.",
            status_code=422,
        )
    access = access_for(system)
    if access is None or command_type not in access.commands:
        raise ApplicationError(
            "command_not_allowed",
            f"{system.name} may not send {command_type}. In the admin, grant it under Event log access.",
            status_code=403,
        )
    if (earlier := _earlier_answer(command_id, command_type, target)) is not None:
        return earlier
    errors = sorted(Draft202012Validator(spec.payload_schema).iter_errors(payload), key=lambda e: list(e.path))
    if errors:
        details = [{"path": error.json_path, "message": error.message} for error in errors[:20]]
        raise ApplicationError(
            "invalid_payload",
            f"The payload does not fit {command_type} at {details[0]['path']}: {details[0]['message']}",
            details=details,
            status_code=422,
        )
    events = spec.send(target, payload, command_id=command_id, actor=actor)
    return CommandAnswer(command_id, command_type, target, events)


def _earlier_answer(command_id: UUID, command_type: str, target: str) -> CommandAnswer | None:
    record = CommandRecord.objects.filter(command_id=command_id).first()
    if record is None:
        return None
    if record.command_type != command_type:
        raise ApplicationError(
            "command_id_reused",
            f"The command id {command_id} was already used for another command ({record.command_type}).",
            status_code=409,
        )
    if record.outcome == CommandRecord.Outcome.REJECTED:
        raise CommandRejected(record.error_code, record.error_message)
    return CommandAnswer(command_id, command_type, target, store.events_caused_by(command_id), replayed=True)
