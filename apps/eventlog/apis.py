from typing import Any
from urllib.parse import parse_qs

import orjson
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import json_body, json_content_type_required
from apps.core.cache import cache_read_ahead
from apps.core.machine_api import MachineJSONRenderer
from apps.eventlog import services
from apps.eventstore.apis import EventOutputSerializer
from apps.ingest.apis import CREDENTIALS, EventBatchReceiveApi, ProducerApi
from apps.ingest.services import Caller

SSE = "text/event-stream"
REFUSALS = {
    400: OpenApiResponse(description="an unknown position or a parameter out of range"),
    401: OpenApiResponse(description="missing or wrong credentials"),
    403: OpenApiResponse(description="the system may not read the event log, or not these event types"),
    429: OpenApiResponse(description="too many failed authentications (Retry-After)"),
}


class EventStreamRenderer(BaseRenderer):
    """Lets a client ask for ``text/event-stream``; a refusal still comes as its JSON error body."""

    media_type = SSE
    format = "sse"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        return orjson.dumps(data)


def waits(scope: dict[str, Any]) -> bool:
    """Whether a request to the web server may wait for events (long polling or Server-Sent Events): it
    gets a thread of its own instead of one of those that answer at once."""
    if scope["method"] != "GET" or scope["path"] != "/api/v1/events":
        return False
    if any(name == b"accept" and SSE.encode() in value for name, value in scope["headers"]):
        return True
    wait = parse_qs(scope["query_string"].decode("latin-1")).get("wait", ["0"])[-1]
    return wait not in ("", "0")


class FeedQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(
        min_value=0, max_value=2**63 - 1, default=0, help_text="The position of the last event you have (0: start)."
    )
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)
    types = serializers.CharField(required=False, help_text="Only these event types, comma-separated.")
    stream_prefix = serializers.CharField(required=False, default="", help_text='e.g. "host-" or "received-"')
    correlation_id = serializers.UUIDField(required=False, help_text="Only the events of one correlation.")
    wait = serializers.FloatField(
        min_value=0,
        default=0,
        help_text="Seconds to wait for a first event when there is none yet (long polling), at most "
        "EVENTLOG_MAX_WAIT_SECONDS (60).",
    )

    def validate_wait(self, wait: float) -> float:
        if wait > settings.EVENTLOG_MAX_WAIT_SECONDS:
            raise serializers.ValidationError(f"Wait at most {settings.EVENTLOG_MAX_WAIT_SECONDS:g} seconds.")
        return wait


class FeedPageSerializer(serializers.Serializer):
    events = EventOutputSerializer(many=True)
    next = serializers.IntegerField(help_text="Ask again with after=next.")
    has_more = serializers.BooleanField()


class EventLogApi(EventBatchReceiveApi):
    """GET: the global feed of the event log. POST: many events in one request (``apps.ingest``)."""

    renderer_classes = [MachineJSONRenderer, EventStreamRenderer]
    content_negotiation_class = DefaultContentNegotiation  # the feed can be Server-Sent Events

    @extend_schema(
        operation_id="events_feed",
        summary="Follow the event log",
        description="Every event of the store in read order from a cursor: keep `next` and ask again with "
        "`after=next`. An event whose transaction may still commit is never passed over, so a consumer sees every "
        "committed event once, in order. `wait` long-polls. With `Accept: text/event-stream` the answer is "
        "Server-Sent Events, one per event with its position as id; reconnect with `Last-Event-ID` to resume. "
        "Authenticate as a system given access to the event log (admin: Event log access); payload fields named "
        "like secrets (password, token, api_key, …) read `[hidden]`.",
        parameters=[
            FeedQuerySerializer,
            *CREDENTIALS,
            OpenApiParameter("Last-Event-ID", int, OpenApiParameter.HEADER, required=False),
        ],
        responses={(200, "application/json"): FeedPageSerializer, (200, SSE): OpenApiTypes.STR, **REFUSALS},
    )
    def get(self, request: Request) -> HttpResponse:
        with cache_read_ahead(self._cache_keys(request, "")):
            caller = self._caller(request)
        access = services.feed_access(caller.system)
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        types = [t.strip() for t in params.get("types", "").split(",") if t.strip()]
        where = services.FeedFilter.of(
            access, types=types, stream_prefix=params["stream_prefix"], correlation_id=params.get("correlation_id")
        )
        disconnected = request.META.get("junction.disconnected")
        gone = disconnected.is_set if disconnected is not None else lambda: False
        if request.accepted_media_type == SSE:
            resume = request.headers.get("Last-Event-ID", "")
            after = int(resume) if resume.isdigit() else params["after"]
            services.feed_page(after=after, limit=1, where=where)  # an unknown position is refused before streaming
            events = services.feed_stream(after=after, where=where, gone=gone)
            response = StreamingHttpResponse(events, content_type=SSE)
            response["Cache-Control"] = "no-cache"
            return response
        page = services.feed_wait(
            after=params["after"], limit=params["limit"], where=where, seconds=params["wait"], gone=gone
        )
        return HttpResponse(page.as_json(limit=params["limit"]), content_type="application/json")


class CommandSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="Your id for the command: sending the same id again gives the first answer.")
    type = serializers.CharField(help_text="A public command, e.g. SelectChecks.")
    target = serializers.CharField(max_length=200, help_text="What the command is about, e.g. the cluster's id.")
    payload = serializers.DictField(required=False, default=dict)


class CausedEventSerializer(serializers.Serializer):
    event_id = serializers.UUIDField()
    type = serializers.CharField()
    stream_id = serializers.CharField()
    position = serializers.IntegerField()


class CommandsApi(ProducerApi):
    """Public commands sent by outside systems, through the command bus."""

    refused_as = "(command)"

    @extend_schema(
        operation_id="commands_send",
        summary="Send a command",
        description="Runs one of the public commands (see `GET /api/v1/commands`) as the calling system, if it is "
        "granted that command (admin: Event log access). The answer lists the events the command recorded (none "
        "when nothing changed) and its correlation id, the root of its causal tree "
        "(`/api/v1/correlations/<id>/tree`). A refused command records nothing. The same id again answers as the "
        "first time.",
        request=CommandSerializer,
        parameters=CREDENTIALS,
        responses={
            200: inline_serializer(
                "CommandAnswer",
                {
                    "command_id": serializers.UUIDField(),
                    "type": serializers.CharField(),
                    "target": serializers.CharField(),
                    "correlation_id": serializers.UUIDField(),
                    "events": CausedEventSerializer(many=True),
                },
            ),
            **{code: r for code, r in REFUSALS.items() if code != 400},
            400: OpenApiResponse(description="the body lacks id, type or target, or they are not valid"),
            404: OpenApiResponse(description="the target does not exist"),
            415: OpenApiResponse(description="a body declared as something other than JSON"),
            409: OpenApiResponse(description="the id was used for another command"),
            422: OpenApiResponse(description="unknown command, invalid payload or target, or refused by a rule"),
        },
    )
    def post(self, request: Request) -> Response:
        return self.handle_post(request)

    def receive(self, request: Request, caller: Caller, identifier: str) -> Response:
        json_content_type_required(request.content_type)
        command = CommandSerializer(data=json_body(request.body))
        command.is_valid(raise_exception=True)
        data = command.validated_data
        answer = services.command_send(
            system=caller.system,
            actor=caller.actor,
            command_id=data["id"],
            command_type=data["type"],
            target=data["target"],
            payload=data["payload"],
        )
        response = Response(answer.as_dict())
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        operation_id="commands_list",
        summary="The public commands",
        parameters=CREDENTIALS,
        responses={
            200: inline_serializer(
                "PublicCommand",
                {
                    "type": serializers.CharField(),
                    "title": serializers.CharField(),
                    "target": serializers.CharField(),
                    "description": serializers.CharField(),
                    "payload_schema": serializers.JSONField(),
                    "granted": serializers.BooleanField(),
                },
                many=True,
            ),
            **{code: r for code, r in REFUSALS.items() if code in (401, 429)},
        },
    )
    def get(self, request: Request) -> Response:
        with cache_read_ahead(self._cache_keys(request, "")):
            caller = self._caller(request)
        return Response(services.public_commands_for(caller.system))
