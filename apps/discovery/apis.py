"""The agent-facing API, compatible with the Trento agent (spec §2)."""

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core import throttle
from apps.core.asgi import arrived_at
from apps.core.cache import cache_read_ahead
from apps.core.machine_api import MachineApi
from apps.discovery import services
from apps.hub.services import api_key_cache_keys, api_key_prefix
from apps.landscape.services import heartbeat_record

API_KEY_HEADER = OpenApiParameter("X-Trento-Apikey", str, OpenApiParameter.HEADER, required=True)
ERRORS = {
    401: "missing or wrong agent API key",
    422: "the envelope breaks the collect contract (failing paths)",
    429: "too many failed authentications from this address or with this key (Retry-After)",
}


class AgentApi(MachineApi):
    @contextmanager
    def agent_authenticated(self, request: Request, *, read_ahead: Collection[str] = ()) -> Iterator[None]:
        """Authenticate the agent, then run the block. The failure counters, the key and ``read_ahead`` (what
        the block will read) come from the shared cache in one round trip: agents call many times a second."""
        key = request.headers.get("X-Trento-Apikey")
        prefix = key and api_key_prefix(key)
        with cache_read_ahead([*throttle.cache_keys("agent", request, prefix), *api_key_cache_keys(key or ""),
                               *read_ahead]):  # fmt: skip
            throttle.authenticated("agent", request, prefix, lambda: services.agent_authenticate(key))
            yield


class CollectApi(AgentApi):
    direct_methods = frozenset({"POST"})

    @extend_schema(
        operation_id="discovery_collect",
        summary="Send a discovery",
        description="An agent's discovery envelope {agent_id, discovery_type, payload}. 202 once it is stored; "
        "it is processed in the background, and a rejected one lands in the discarded discoveries.",
        request=OpenApiTypes.OBJECT,
        parameters=[API_KEY_HEADER],
        responses={202: OpenApiTypes.OBJECT, **{c: OpenApiResponse(description=d) for c, d in ERRORS.items()}},
    )
    def post(self, request: Request) -> Response:
        digest = services.collect_digest(request.body)
        with self.agent_authenticated(request, read_ahead=services.collect_cache_keys(digest)):
            services.discovery_collect(body=request.body, digest=digest)
        return Response({}, status=202)


class CollectPreviewApi(AgentApi):
    @extend_schema(
        operation_id="discovery_collect_preview",
        summary="Preview a discovery",
        description="The commands this discovery would dispatch now, enriched, and the enrichment rejections. "
        "Nothing is stored or changed.",
        request=OpenApiTypes.OBJECT,
        parameters=[API_KEY_HEADER],
        responses={200: OpenApiTypes.OBJECT, **{c: OpenApiResponse(description=d) for c, d in ERRORS.items()}},
    )
    def post(self, request: Request) -> Response:
        with self.agent_authenticated(request):
            return Response(services.discovery_preview(envelope=services.envelope_parse(request.body)))


class HeartbeatApi(AgentApi):
    direct_methods = frozenset({"POST"})

    @extend_schema(
        operation_id="host_heartbeat",
        summary="Agent heartbeat",
        request=None,
        parameters=[API_KEY_HEADER],
        responses={
            204: OpenApiResponse(description="recorded"),
            401: OpenApiResponse(description=ERRORS[401]),
            404: OpenApiResponse(description="the host was never registered"),
        },
    )
    def post(self, request: Request, agent_id: UUID) -> Response:
        with self.agent_authenticated(request):
            heartbeat_record(agent_id=agent_id, actor=f"agent {agent_id}", at=arrived_at(request.META))
        return Response(status=204)
