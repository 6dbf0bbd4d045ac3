from collections.abc import Awaitable, Callable

from django.conf import settings
from django.http import HttpRequest
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core import throttle
from apps.core.api import ApplicationError, json_content_type_required
from apps.core.cache import cache_read_ahead
from apps.core.group_commit import GroupCommit
from apps.core.machine_api import MachineApi, MachineRequest
from apps.hub.models import EventType
from apps.hub.services import (
    api_key_cache_keys,
    api_key_prefix,
    event_type_by_identifier,
    event_type_cache_keys,
    event_type_held,
)
from apps.ingest import services

ERRORS = {
    401: "missing or wrong credentials",
    403: "the event belongs to another system",
    404: "unknown or inactive event",
    413: "body too large",
    415: "body declared as something other than JSON",
    429: "too many failed authentications from this address or with this key (Retry-After)",
    422: "body not JSON or not matching the schema",
}


class ProducerApi(MachineApi):
    """What producers call: authenticated by their API key or OAuth2 token; every refusal but a 429 kept."""

    #: What a refusal is recorded under when the URL names no event.
    refused_as = ""

    def handle_post(self, request: MachineRequest, identifier: str = "") -> Response:
        caller = None
        try:
            with cache_read_ahead(self._cache_keys(request, identifier)):
                caller = self._caller(request)
                return self.receive(request, caller, identifier)
        except ApplicationError as error:
            if error.status_code != 429:  # a flood of those would only repeat the refusals already kept
                services.refusal_record(
                    error=error,
                    identifier=identifier or self.refused_as,
                    caller=caller,
                    headers=dict(request.headers),
                    raw_body=request.body,
                    remote_address=request.META.get("REMOTE_ADDR"),
                )
            raise

    def receive(self, request: MachineRequest, caller: services.Caller, identifier: str) -> Response:
        raise NotImplementedError

    @staticmethod
    def _api_key(request: MachineRequest) -> str | None:
        return request.headers.get("X-API-Key") or request.GET.get("access_key")

    def _cache_keys(self, request: MachineRequest, identifier: str) -> list[str]:
        """What the request will read from the shared cache: the failure counters, the key, the event type."""
        api_key = self._api_key(request)
        keys = throttle.cache_keys("webhook", request, api_key and api_key_prefix(api_key))
        keys += api_key_cache_keys(api_key) if api_key else []
        return keys + (event_type_cache_keys(identifier) if identifier else [])

    def _caller(self, request: MachineRequest) -> services.Caller:
        authorization = request.headers.get("Authorization", "")
        api_key = self._api_key(request)
        bearer_token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        return throttle.authenticated(
            "webhook",
            request,
            api_key and api_key_prefix(api_key),
            lambda: services.caller_authenticate(api_key=api_key, bearer_token=bearer_token),
        )


CREDENTIALS = [
    OpenApiParameter("X-API-Key", str, OpenApiParameter.HEADER, required=False),
    OpenApiParameter("access_key", str, OpenApiParameter.QUERY, required=False),
]


class EventReceiveApi(ProducerApi):
    """The webhook producers send events to."""

    direct_methods = loop_methods = frozenset({"POST"})

    class AcceptedSerializer(serializers.Serializer):
        event_id = serializers.UUIDField()
        status = serializers.CharField()

    @extend_schema(
        operation_id="events_receive",
        summary="Send an event",
        description="Authenticate with the X-API-Key header, the access_key query parameter or an OAuth2 bearer "
        "token. The event is stored before the answer: 202 means it will not be lost.",
        request=OpenApiTypes.OBJECT,
        parameters=[*CREDENTIALS, OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={202: AcceptedSerializer, **{code: OpenApiResponse(description=d) for code, d in ERRORS.items()}},
    )
    def post(self, request: MachineRequest, identifier: str) -> Response:
        return self.handle_post(request, identifier)

    def receive(self, request: MachineRequest, caller: services.Caller, identifier: str) -> Response:
        if int(request.headers.get("Content-Length") or 0) > services.settings.INGEST_MAX_BODY_BYTES:
            raise services.body_too_large()
        receipt = self._receipt(request, caller, identifier, event_type_by_identifier(identifier))
        return self._accepted(received_together.write(receipt))

    @classmethod
    def on_loop(cls, request: HttpRequest, identifier: str) -> Callable[[], Awaitable[Response]] | None:
        """An event whose key, event type and sender's standing this process holds is checked on the
        loop and stored with the events other requests sent meanwhile (``received_together``).
        Anything else (a refusal to keep, a key to look up) takes the whole way, in a thread."""
        api_key = cls._api_key(request)
        if not api_key or not throttle.clear_locally("webhook", request, api_key_prefix(api_key)):
            return None
        caller = services.caller_held(api_key)
        if caller is None:
            return None
        try:
            receipt = cls._receipt(request, caller, identifier, event_type_held(identifier))
        except ApplicationError:
            return None

        async def answer() -> Response:
            return cls._accepted(await received_together.submit(receipt))

        return answer

    @staticmethod
    def _receipt(
        request: MachineRequest, caller: services.Caller, identifier: str, event_type: EventType | None
    ) -> services.Receipt:
        event_type = services.event_type_allowed(caller, identifier, event_type)
        json_content_type_required(request.content_type)
        return services.Receipt(
            caller,
            event_type,
            services.payload_parse(event_type=event_type, raw_body=request.body),
            services.request_kept(dict(request.headers), request.GET.dict()),
            services.idempotency_key_checked(request.headers.get("Idempotency-Key")),
        )

    @staticmethod
    def _accepted(accepted: services.Accepted) -> Response:
        response = Response({"event_id": accepted.event_id, "status": "accepted"}, status=202)
        if accepted.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


#: The process's single events are stored together (``apps.core.group_commit``), whether answered on the
#: web server's loop or in a thread.
received_together = GroupCommit(
    services.events_store, max_group=settings.INGEST_BATCH_MAX_EVENTS, name="ingest-group-commit"
)


class BatchEventSerializer(serializers.Serializer):
    event = serializers.CharField(help_text="The event's identifier, as in /api/v1/events/<identifier>.")
    body = serializers.JSONField(required=False, help_text="The event as the producer would POST it alone.")
    idempotency_key = serializers.CharField(required=False, max_length=services.IDEMPOTENCY_KEY_MAX)


class BatchSerializer(serializers.Serializer):
    events = BatchEventSerializer(many=True)


class BatchAnswerSerializer(serializers.Serializer):
    event_id = serializers.UUIDField()
    status = serializers.ChoiceField(["accepted", "replayed"])


class BatchAcceptedSerializer(serializers.Serializer):
    events = BatchAnswerSerializer(many=True)


class EventBatchReceiveApi(ProducerApi):
    """Many events in one request and one transaction: all stored, or none."""

    refused_as = "(batch)"

    @extend_schema(
        operation_id="events_receive_batch",
        summary="Send many events",
        description="Up to INGEST_BATCH_MAX_EVENTS (500) events of the caller's system in one request, stored in "
        "one transaction: all of them or, if any is refused, none (422 batch_refused lists every refused item by "
        "index). Each event gets its own id and correlation, as if sent alone; an item's idempotency_key works "
        "as the Idempotency-Key header does for one event. The answer lists the events in the request's order.",
        request=BatchSerializer,
        parameters=CREDENTIALS,
        responses={
            202: BatchAcceptedSerializer,
            **{code: OpenApiResponse(description=d) for code, d in ERRORS.items() if code not in (403, 404)},
        },
    )
    def post(self, request: Request) -> Response:
        return self.handle_post(request)

    def receive(self, request: Request, caller: services.Caller, identifier: str) -> Response:
        if int(request.headers.get("Content-Length") or 0) > services.settings.INGEST_BATCH_MAX_BYTES:
            raise services.body_too_large(services.settings.INGEST_BATCH_MAX_BYTES)
        json_content_type_required(request.content_type)
        receipts = services.batch_parse(
            caller=caller, raw_body=request.body, headers=dict(request.headers), query=request.query_params.dict()
        )
        accepted = services.events_store(receipts)
        events = [{"event_id": a.event_id, "status": "replayed" if a.replayed else "accepted"} for a in accepted]
        return Response({"events": events}, status=202)
