"""Receiving an event: the least work that makes it safe, then ``202 Accepted``."""

import hashlib
import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.db import IntegrityError, transaction
from jsonschema import Draft202012Validator
from oauth2_provider.models import AccessToken

from apps.core.api import ApplicationError, json_body
from apps.eventstore import store
from apps.eventstore.store import Causation, NewEvent
from apps.hub.models import EventType, System
from apps.hub.services import api_key_authenticate
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


def stream_for(event_id: UUID) -> str:
    return f"received-{event_id}"


def caller_authenticate(*, api_key: str | None, bearer_token: str | None) -> Caller:
    if api_key:
        key = api_key_authenticate(api_key)
        if key is not None:
            return Caller(key.system, f"{key.system.identifier} (API key {key.prefix})")
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


def event_type_for(*, caller: Caller, identifier: str) -> EventType:
    event_type = EventType.objects.select_related("system").filter(identifier=identifier, is_active=True).first()
    if event_type is None or not event_type.system.is_active:
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
    if event_type.payload_schema is not None:
        validator = Draft202012Validator(event_type.payload_schema)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            details = [{"path": error.json_path, "message": error.message} for error in errors[:20]]
            first = details[0]
            raise ApplicationError(
                "schema_mismatch",
                f"The body does not match the event's schema at {first['path']}: {first['message']}",
                details=details,
                status_code=422,
            )
    return body


def body_too_large() -> ApplicationError:
    limit = settings.INGEST_MAX_BODY_BYTES
    return ApplicationError("body_too_large", f"The body is larger than {limit} bytes.", status_code=413)


IDEMPOTENCY_KEY_MAX = 200


def event_receive(
    *,
    caller: Caller,
    event_type: EventType,
    body: Any,
    headers: dict[str, str],
    query: dict[str, str],
    idempotency_key: str | None = None,
) -> Accepted:
    """Append the event to the store (and remember its idempotency key) in one transaction."""
    if idempotency_key and len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise ApplicationError(
            "invalid_idempotency_key",
            f"The Idempotency-Key header is longer than {IDEMPOTENCY_KEY_MAX} characters.",
            status_code=422,
        )
    if idempotency_key and (earlier := _idempotent_answer(caller.system, idempotency_key)):
        return earlier
    event_id = uuid4()
    data = {
        "system": caller.system.identifier,
        "body": body,
        "headers": {k: v for k, v in headers.items() if k.lower() not in DROPPED_HEADERS},
        "query": {k: v for k, v in query.items() if k not in DROPPED_QUERY},
    }
    try:
        with transaction.atomic():
            store.append(
                stream_for(event_id),
                [NewEvent(event_type.identifier, data, event_id)],
                expected_version=0,
                causation=Causation(correlation_id=event_id, actor=caller.actor),
            )
            if idempotency_key:
                IdempotencyKey.objects.create(system=caller.system, key=idempotency_key, event_id=event_id)
    except IntegrityError:
        # The same key arrived twice at once: the other request's event stands.
        if idempotency_key and (earlier := _idempotent_answer(caller.system, idempotency_key)):
            return earlier
        raise
    return Accepted(event_id)


def _idempotent_answer(system: System, key: str) -> Accepted | None:
    earlier = IdempotencyKey.objects.filter(system=system, key=key).values_list("event_id", flat=True).first()
    return Accepted(earlier, replayed=True) if earlier else None


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
