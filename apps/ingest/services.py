"""Receiving an event: the least work that makes it safe, then ``202 Accepted``."""

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from jsonschema import Draft202012Validator
from oauth2_provider.models import AccessToken

from apps.core.api import ApplicationError, json_body
from apps.core.cache import cache_read_ahead
from apps.eventstore import store
from apps.eventstore.store import Causation, NewEvent
from apps.hub.models import ApiKey, EventType, System
from apps.hub.services import api_key_authenticate, api_key_held, event_type_by_identifier, event_type_cache_keys
from apps.ingest.models import IdempotencyKey, RefusedRequest

logger = logging.getLogger(__name__)

#: Never stored with a received event: they are credentials or belong to the connection.
DROPPED_HEADERS = {
    "authorization", "x-api-key", "x-trento-apikey", "cookie", "proxy-authorization",
    "connection", "keep-alive", "transfer-encoding", "content-length",
}  # fmt: skip
DROPPED_QUERY = {"access_key"}
#: How much of a refused request's body is kept.
REFUSED_BODY_CHARS = 2000


@dataclass(frozen=True)
class Caller:
    system: System
    actor: str


@dataclass(frozen=True)
class Accepted:
    event_id: UUID
    replayed: bool = False


@dataclass(frozen=True)
class Receipt:
    """An event received and checked, to be stored: who sent it, what, and what is kept of its request."""

    caller: Caller
    event_type: EventType
    body: Any
    request: dict[str, dict[str, str]]  # ``request_kept``
    idempotency_key: str | None = None


def stream_for(event_id: UUID) -> str:
    return f"received-{event_id}"


def caller_authenticate(*, api_key: str | None, bearer_token: str | None) -> Caller:
    if api_key:
        key = api_key_authenticate(api_key)
        if key is not None:
            return _key_caller(key)
    elif bearer_token:
        token = (
            AccessToken.objects.select_related("application__system")
            .filter(token_checksum=hashlib.sha256(bearer_token.encode()).hexdigest())
            .first()
        )
        system = getattr(token.application, "system", None) if token and token.application else None
        if token is not None and token.is_valid() and system is not None and system.deleted_at is None:
            return Caller(system, f"{system.identifier} (OAuth2 client {token.application.client_id})")
    else:
        raise ApplicationError(
            "credentials_missing",
            "Send an API key in the X-API-Key header (or the access_key query parameter) or an OAuth2 bearer token.",
            status_code=401,
        )
    raise ApplicationError(
        "credentials_invalid", "The API key or token is not valid (or was revoked).", status_code=401
    )


def caller_held(api_key: str) -> Caller | None:
    """The caller with this API key, if this process's copy can tell at once (``api_key_held``)."""
    key = api_key_held(api_key)
    return None if key is None else _key_caller(key)


def _key_caller(key: ApiKey) -> Caller:
    return Caller(key.system, f"{key.system.identifier} (API key {key.prefix})")


def event_type_allowed(caller: Caller, identifier: str, event_type: EventType | None) -> EventType:
    """``event_type`` (the one named ``identifier``, None if there is none) if the caller may send it,
    or the 404 or 403 saying why not."""
    if event_type is None or not event_type.is_active or not event_type.system.is_active:
        raise ApplicationError("event_not_found", f"There is no active event {identifier!r}.", status_code=404)
    if event_type.system_id != caller.system.pk:
        raise ApplicationError(
            "event_of_another_system",
            f"The event {identifier!r} belongs to {event_type.system.name}, not to {caller.system.name}.",
            status_code=403,
        )
    return event_type


def payload_parse(*, event_type: EventType, raw_body: bytes) -> Any:
    if len(raw_body) > settings.INGEST_MAX_BODY_BYTES:
        raise body_too_large()
    body = json_body(raw_body or b"null", code="body_not_json")
    schema_check(event_type, body)
    return body


def schema_check(event_type: EventType, body: Any) -> None:
    """Raise a 422 naming where ``body`` departs from the event's schema."""
    if event_type.payload_schema is None:
        return
    try:
        schema = orjson.dumps(event_type.payload_schema, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer past 64 bits in the schema
        schema = json.dumps(event_type.payload_schema, sort_keys=True).encode()
    validator = _validator(schema)
    if validator.is_valid(body):
        return
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    details = [{"path": error.json_path, "message": error.message} for error in errors[:20]]
    first = details[0]
    raise ApplicationError(
        "schema_mismatch",
        f"The body does not match the event's schema at {first['path']}: {first['message']}",
        details=details,
        status_code=422,
    )


@lru_cache(maxsize=1024)
def _validator(schema: bytes) -> Draft202012Validator:
    """The validator of a schema (its JSON text), built once: building one costs more than most checks."""
    return Draft202012Validator(json.loads(schema))


def body_too_large(limit: int | None = None) -> ApplicationError:
    limit = limit or settings.INGEST_MAX_BODY_BYTES
    return ApplicationError("body_too_large", f"The body is larger than {limit} bytes.", status_code=413)


IDEMPOTENCY_KEY_MAX = 200


def idempotency_key_checked(key: str | None) -> str | None:
    """The Idempotency-Key header's value, or the 422 saying it is too long."""
    if key and len(key) > IDEMPOTENCY_KEY_MAX:
        raise ApplicationError(
            "invalid_idempotency_key",
            f"The Idempotency-Key header is longer than {IDEMPOTENCY_KEY_MAX} characters.",
            status_code=422,
        )
    return key


def batch_parse(*, caller: Caller, raw_body: bytes, headers: dict[str, str], query: dict[str, str]) -> list[Receipt]:
    """A batch's events, each checked as the single endpoint checks one; any refused item refuses the
    whole batch with every item's reason (``details``: index, code, message), so nothing is half-sent."""
    if len(raw_body) > settings.INGEST_BATCH_MAX_BYTES:
        raise body_too_large(settings.INGEST_BATCH_MAX_BYTES)
    batch = json_body(raw_body or b"null", code="body_not_json")
    events = batch.get("events") if isinstance(batch, dict) else None
    limit = settings.INGEST_BATCH_MAX_EVENTS
    if not isinstance(events, list) or not events or len(events) > limit:
        raise ApplicationError(
            "batch_invalid",
            f'Send {{"events": [{{"event": "<event identifier>", "body": {{...}}}}, ...]}} with 1 to {limit} events.',
            status_code=422,
        )
    identifiers = {item["event"] for item in events if isinstance(item, dict) and isinstance(item.get("event"), str)}
    known, kept = _event_types(identifiers), request_kept(headers, query)
    receipts, refused = [], []
    for index, item in enumerate(events):
        try:
            receipts.append(_batch_item(caller, item, known, kept))
        except ApplicationError as error:
            refused.append({"index": index, "code": error.code, "message": error.message})
    if refused:
        raise ApplicationError(
            "batch_refused",
            f"{len(refused)} of {len(events)} events were refused (the first: #{refused[0]['index']}, "
            f"{refused[0]['message']}); nothing was stored. Fix them and send the batch again.",
            details=refused[:100],
            status_code=422,
        )
    return receipts


#: A batch naming more event types than this reads them in one query rather than from the shared cache.
BATCH_CACHED_EVENT_TYPES = 10


def _event_types(identifiers: set[str]) -> dict[str, EventType]:
    """A batch's event types by identifier: from the shared cache (the process's copy) for the few a
    batch usually names, in one query when it names many (made-up identifiers are never cached)."""
    if len(identifiers) > BATCH_CACHED_EVENT_TYPES:
        found = EventType.objects.select_related("system").filter(identifier__in=identifiers)
        return {event_type.identifier: event_type for event_type in found}
    with cache_read_ahead([key for identifier in identifiers for key in event_type_cache_keys(identifier)]):
        return {identifier: known for identifier in identifiers if (known := event_type_by_identifier(identifier))}


def _batch_item(caller: Caller, item: Any, known: dict[str, EventType], kept: dict[str, dict[str, str]]) -> Receipt:
    if not isinstance(item, dict) or not isinstance(item.get("event"), str):
        raise ApplicationError("item_invalid", 'Each event is {"event": "<event identifier>", "body": ...}.')
    key = item.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= IDEMPOTENCY_KEY_MAX):
        raise ApplicationError(
            "invalid_idempotency_key", f"idempotency_key is a text of 1 to {IDEMPOTENCY_KEY_MAX} characters."
        )
    event_type = event_type_allowed(caller, item["event"], known.get(item["event"]))
    schema_check(event_type, item.get("body"))
    return Receipt(caller, event_type, item.get("body"), kept, key)


def events_store(receipts: list[Receipt]) -> list[Accepted]:
    """Store received events in one transaction, each as its own stream and correlation, as if each
    had come alone: a batch, or single events that concurrent requests sent (``apps.core.group_commit``).
    An event whose idempotency key its system sent before (earlier, or higher in the list) answers
    with the first event and is not stored again."""
    try:
        return _store(receipts)
    except IntegrityError:
        # A concurrent request took one of the idempotency keys first: a second look answers with its event.
        return _store(receipts)


def _store(receipts: list[Receipt]) -> list[Accepted]:
    keys = {(receipt.caller.system.pk, receipt.idempotency_key) for receipt in receipts if receipt.idempotency_key}
    seen = {
        (system_id, key): event_id
        for system_id, key, event_id in IdempotencyKey.objects.filter(
            system_id__in={system_id for system_id, _ in keys}, key__in={key for _, key in keys}
        ).values_list("system_id", "key", "event_id")
        if (system_id, key) in keys
    } if keys else {}  # fmt: skip
    answers, starts, new_keys = [], [], []
    event_ids = iter(store.new_event_ids(len(receipts)))
    for receipt in receipts:
        caller, idempotency = receipt.caller, (receipt.caller.system.pk, receipt.idempotency_key)
        if idempotency in seen:
            answers.append(Accepted(seen[idempotency], replayed=True))
            continue
        event_id = next(event_ids)
        if receipt.idempotency_key:
            seen[idempotency] = event_id
            new_keys.append(IdempotencyKey(system=caller.system, key=receipt.idempotency_key, event_id=event_id))
        event = NewEvent(receipt.event_type.identifier, _event_data(caller, receipt.body, receipt.request), event_id)
        starts.append((stream_for(event_id), event, Causation(correlation_id=event_id, actor=caller.actor)))
        answers.append(Accepted(event_id))
    with transaction.atomic():
        store.start_streams(starts)
        IdempotencyKey.objects.bulk_create(new_keys)
    return answers


def _event_data(caller: Caller, body: Any, request: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A received event as stored: its body, and what is kept of the request (``request_kept``)."""
    return {"system": caller.system.identifier, "body": body, **request}


def request_kept(headers: dict[str, str], query: dict[str, str]) -> dict[str, dict[str, str]]:
    """The request's headers and query without credentials (once for all the events of a batch)."""
    return {
        "headers": {k: v for k, v in headers.items() if k.lower() not in DROPPED_HEADERS},
        "query": {k: v for k, v in query.items() if k not in DROPPED_QUERY},
    }


def refusal_record(
    *,
    error: ApplicationError,
    identifier: str,
    caller: Caller | None,
    headers: dict[str, str],
    raw_body: bytes,
    remote_address: str | None,
) -> None:
    """Keep a refused request (without credentials) for the sender's system; drop its oldest beyond the limit.

    A refusal that cannot be recorded is logged, never turned into another error: the client still
    gets the answer that says what it did wrong.
    """  # fmt: skip
    system = caller.system if caller else _system_of_event(identifier)
    try:
        refusal = RefusedRequest.objects.create(
            system=system,
            event_identifier=identifier[:200],
            status=error.status_code,
            code=error.code[:60],
            message=error.message,
            remote_address=remote_address or None,
            headers={k: v for k, v in headers.items() if k.lower() not in DROPPED_HEADERS},
            body_excerpt=raw_body[:REFUSED_BODY_CHARS].decode("utf-8", "replace").replace("\x00", ""),
        )
        oldest_kept = (
            RefusedRequest.objects.filter(system=system, id__lte=refusal.id).order_by("-id")
            .values_list("id", flat=True)[settings.INGEST_REFUSALS_KEPT - 1 : settings.INGEST_REFUSALS_KEPT]
        )  # fmt: skip
        if oldest_kept:
            RefusedRequest.objects.filter(system=system, id__lt=oldest_kept[0]).delete()
    except Exception:
        logger.warning("Could not record a refused request for %s", identifier, exc_info=True)


def _system_of_event(identifier: str) -> System | None:
    event_type = EventType.objects.select_related("system").filter(identifier=identifier).first()
    return event_type.system if event_type else None
