from uuid import UUID

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ApplicationError
from apps.eventstore import store
from apps.eventstore.selectors import causal_tree


class EventOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    stream_id = serializers.CharField()
    stream_version = serializers.IntegerField()
    type = serializers.CharField()
    schema_version = serializers.IntegerField()
    data = serializers.JSONField()
    event_id = serializers.UUIDField()
    cause_id = serializers.UUIDField(allow_null=True)
    correlation_id = serializers.UUIDField()
    actor = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class StreamEventsApi(APIView):
    """The events of one stream, in stream order (upcast to today's shape)."""

    class FilterSerializer(serializers.Serializer):
        after_version = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)  # a stream's versions
        limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)

    @extend_schema(
        parameters=[FilterSerializer],
        responses=inline_serializer(
            "StreamEvents", {"stream_id": serializers.CharField(), "events": EventOutputSerializer(many=True)}
        ),
    )
    def get(self, request: Request, stream_id: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        events = store.read_stream(stream_id, **filters.validated_data)
        if not events and not store.stream_version(stream_id):
            raise ApplicationError("stream_not_found", f"There is no stream {stream_id!r}.", status_code=404)
        return Response({"stream_id": stream_id, "events": EventOutputSerializer(events, many=True).data})


class TreeNodeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["event", "command"])
    id = serializers.UUIDField()
    type = serializers.CharField()
    stream_id = serializers.CharField()
    cause_id = serializers.UUIDField(allow_null=True)
    actor = serializers.CharField()
    at = serializers.DateTimeField()
    position = serializers.IntegerField(required=False)
    outcome = serializers.CharField(required=False)
    error = serializers.JSONField(required=False)
    data = serializers.JSONField()

    def get_fields(self):
        fields = super().get_fields()
        fields["children"] = TreeNodeSerializer(many=True)
        return fields


class CausalTreeApi(APIView):
    """Everything that happened because of one external request, as a tree of commands and events."""

    @extend_schema(
        responses=inline_serializer(
            "CausalTree", {"correlation_id": serializers.UUIDField(), "roots": TreeNodeSerializer(many=True)}
        )
    )
    def get(self, request: Request, correlation_id: UUID) -> Response:
        roots = causal_tree(correlation_id)
        if not roots:
            raise ApplicationError(
                "correlation_not_found", f"Nothing is recorded for {correlation_id}.", status_code=404
            )
        return Response({"correlation_id": correlation_id, "roots": TreeNodeSerializer(roots, many=True).data})
