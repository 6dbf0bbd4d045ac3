"""Turning an action and an event into an HTTP request, and sending it.

Used by delivery for every try and by the admin's "Send test request". Secrets are applied at the
last moment; what is kept for people to read (``RenderedRequest.for_display``) has them redacted.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache

from apps.core import http
from apps.eventstore.store import RecordedEvent
from apps.hub import templating
from apps.hub.models import Action, Contract

logger = logging.getLogger(__name__)

REDACTED = "••••"
SECRET_HEADERS = {"authorization", "proxy-authorization", "x-api-key", "cookie", "webhook-signature"}


class AuthError(Exception):
    """The action's credentials could not be used (token endpoint down, bad client secret ...)."""


@dataclass(frozen=True)
class RenderedRequest:
    method: str
    url: str
    headers: dict[str, str]
    params: dict[str, str]
    body: bytes | None
    secret_values: tuple[str, ...] = field(default=(), repr=False)

    def full_url(self) -> str:
        return f"{self.url}{'&' if '?' in self.url else '?'}{urlencode(self.params)}" if self.params else self.url

    def for_display(self, max_body_bytes: int = 64 * 1024) -> dict[str, Any]:
        """Method, URL, headers and body as stored with a try: credentials redacted, body bounded."""

        def redact(text: str) -> str:
            for secret in self.secret_values:
                text = text.replace(secret, REDACTED)
            return text

        return {
            "method": self.method,
            "url": redact(self.full_url()),
            "headers": {k: REDACTED if k.lower() in SECRET_HEADERS else redact(v) for k, v in self.headers.items()},
            "body": redact((self.body or b"")[:max_body_bytes].decode("utf-8", errors="replace")),
        }


def event_context(event: RecordedEvent) -> dict[str, Any]:
    """What templates see of an event: a received event's body and headers, or a domain event's data."""
    if event.stream_id.startswith("received-"):
        body, headers, query = event.data.get("body"), event.data.get("headers", {}), event.data.get("query", {})
    else:
        body, headers, query = event.data, {}, {}
    return {
        "body": body,
        "headers": {name.lower(): value for name, value in headers.items()},
        "query": query,
        "event": {
            "id": str(event.event_id),
            "type": event.type,
            "stream_id": event.stream_id,
            "correlation_id": str(event.correlation_id),
            "recorded_at": event.recorded_at.isoformat(),
        },
    }


def render(action: Action, context: dict[str, Any]) -> RenderedRequest:
    """Render the action's template; raises ``templating.TemplateError`` when the event lacks a value."""
    headers = {str(k): str(v) for k, v in templating.render(action.headers or {}, context, "headers").items()}
    params = {str(k): str(v) for k, v in templating.render(action.query_params or {}, context, "query_params").items()}
    payload = context["body"] if action.body is None else templating.render(action.body, context, "body")
    body = None
    if action.method != Action.Method.GET:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers.setdefault("Content-Type", "application/json")
    url = str(templating.render(action.url, context, "url"))
    return RenderedRequest(action.method, url, headers, params, body)


def _oauth_cache_key(action: Action) -> str:
    fingerprint = hashlib.sha256(f"{action.oauth_token_url}|{action.oauth_client_id}|{action.oauth_scope}".encode())
    return f"hub:oauth-token:{action.pk}:{fingerprint.hexdigest()[:16]}"


def oauth_token(action: Action, *, refresh: bool = False) -> str:
    """An access token for the action, from the cache until it expires, else from the token endpoint."""
    key = _oauth_cache_key(action)
    if not refresh and (token := _cached_token(key)):
        return token
    form = {"grant_type": "client_credentials"}
    if action.oauth_scope:
        form["scope"] = action.oauth_scope
    basic = base64.b64encode(f"{action.oauth_client_id}:{action.oauth_client_secret}".encode()).decode()
    result = http.send(
        "POST",
        action.oauth_token_url,
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode(form).encode(),
        timeout=action.timeout_seconds,
    )
    if not result.ok:
        reason = result.error or f"it answered {result.status}: {result.text()[:200]}"
        raise AuthError(f"The token endpoint refused the client credentials ({reason}).")
    try:
        answer = json.loads(result.body)
    except ValueError:
        raise AuthError("The token endpoint did not answer with JSON.") from None
    token = templating.find(action.oauth_token_path, answer)
    if not isinstance(token, str):
        raise AuthError(f"The token endpoint's answer has no access token at {action.oauth_token_path}.")
    lifetime = answer.get("expires_in") if isinstance(answer, dict) else None
    try:
        cache.set(key, token, timeout=max(1, int(lifetime) - 30) if isinstance(lifetime, int) else 300)
    except Exception:  # not cached: the next delivery asks the token endpoint again
        logger.warning("The shared cache cannot be reached; the OAuth2 token is not cached")
    return token


def _cached_token(key: str) -> str | None:
    try:
        return cache.get(key)
    except Exception:
        logger.warning("The shared cache cannot be reached; asking the token endpoint")
        return None


def authenticate(action: Action, request: RenderedRequest, *, refresh: bool = False) -> RenderedRequest:
    """The request with the action's credentials applied."""
    if action.auth == Action.Auth.NONE:
        return request
    if action.auth == Action.Auth.BASIC:
        secret = base64.b64encode(f"{action.auth_username}:{action.auth_secret}".encode()).decode()
        header = f"Basic {secret}"
    elif action.auth == Action.Auth.BEARER:
        secret = action.auth_secret
        header = f"Bearer {secret}"
    else:
        secret = oauth_token(action, refresh=refresh)
        header = f"Bearer {secret}"
    return RenderedRequest(
        request.method,
        request.url,
        {**request.headers, "Authorization": header},
        request.params,
        request.body,
        (*request.secret_values, secret, action.auth_secret or secret),
    )


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """A Standard Webhooks signature (``v1,<base64 HMAC-SHA256 of id.timestamp.body>``)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + (body or b""), hashlib.sha256).digest()
    return f"v1,{base64.b64encode(digest).decode()}"


def signed(action: Action, request: RenderedRequest, message_id: str) -> RenderedRequest:
    """The request with Standard Webhooks headers: a stable id (for de-duplication) and a signature."""
    timestamp = int(time.time())
    headers = {
        **request.headers,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(action.signing_secret, message_id, timestamp, request.body or b""),
        "Idempotency-Key": message_id,
    }
    return RenderedRequest(request.method, request.url, headers, request.params, request.body, request.secret_values)


def send(action: Action, request: RenderedRequest) -> http.HttpResult:
    return http.send(**_send_arguments(action, request))


async def send_in_flight(client: http.AsyncClient, action: Action, request: RenderedRequest) -> http.HttpResult:
    """``send`` on the delivery engine's client, beside hundreds of others."""
    return await client.send(**_send_arguments(action, request))


def _send_arguments(action: Action, request: RenderedRequest) -> dict[str, Any]:
    return {
        "method": request.method,
        "url": request.url,
        "headers": request.headers,
        "params": request.params,
        "body": request.body,
        "timeout": action.timeout_seconds,
    }


def sample_context(*, event_type: str, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """What templates see of a body and headers typed in by a person, as if an event of ``event_type``."""
    return {
        "body": body,
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "query": {},
        "event": {"id": "(sample)", "type": event_type, "stream_id": "", "correlation_id": "", "recorded_at": ""},
    }


@dataclass(frozen=True)
class TestSendResult:
    request: dict[str, Any] | None
    response: http.HttpResult | None
    error: str = ""


def action_test_send(*, action: Action, context: dict[str, Any], send_it: bool = True) -> TestSendResult:
    """Render the action for an event; send the request once (no retry) unless only a preview is asked."""
    try:
        request = signed(action, authenticate(action, render(action, context)), "test")
    except templating.TemplateError as exc:
        return TestSendResult(None, None, f"The template cannot be rendered: {exc}")
    except AuthError as exc:
        return TestSendResult(None, None, str(exc))
    if not send_it:
        return TestSendResult(request.for_display(), None)
    result = send(action, request)
    return TestSendResult(request.for_display(), result, result.error)


@dataclass(frozen=True)
class ContractTestResult:
    matched: bool
    why: str
    sent: TestSendResult | None


def contract_test(*, contract: Contract, context: dict[str, Any], send_it: bool) -> ContractTestResult:
    """Run an event through the contract as delivery would: its condition, then its action's template
    (and, when asked, one real request)."""
    if contract.condition:
        try:
            matched = templating.matches(contract.condition, context)
        except templating.TemplateError as exc:
            return ContractTestResult(False, f"The condition cannot be evaluated: {exc}", None)
        if not matched:
            return ContractTestResult(
                False, f"The condition {contract.condition} does not hold for this event: nothing would be sent.", None
            )
    why = f"The condition {contract.condition} holds." if contract.condition else "The contract has no condition."
    return ContractTestResult(True, why, action_test_send(action=contract.action, context=context, send_it=send_it))
