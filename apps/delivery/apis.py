from uuid import UUID

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ApplicationError
from apps.delivery import selectors, services
from apps.delivery.models import Execution, ReplayJob, Try
from apps.hub.models import Action, Contract


class TrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Try
        exclude = ["id", "execution"]


class ExecutionSerializer(serializers.ModelSerializer):
    contract = serializers.SlugRelatedField(slug_field="identifier", read_only=True)
    action = serializers.SlugRelatedField(slug_field="identifier", read_only=True)

    class Meta:
        model = Execution
        exclude = ["claimed_at"]


class ExecutionDetailSerializer(ExecutionSerializer):
    tries = TrySerializer(many=True, read_only=True)


class ExecutionListApi(ListAPIView):
    """Executions, newest first; filter by state, contract identifier or subscriber system identifier."""

    serializer_class = ExecutionSerializer

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=Execution.State.choices, required=False)
        contract = serializers.CharField(required=False)
        system = serializers.CharField(required=False)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.execution_list(**filters.validated_data)


class ExecutionDetailApi(APIView):
    @extend_schema(responses=ExecutionDetailSerializer)
    def get(self, request: Request, execution_id: UUID) -> Response:
        execution = get_object_or_404(Execution.objects.prefetch_related("tries"), pk=execution_id)
        return Response(ExecutionDetailSerializer(execution).data)


class ExecutionReplayApi(APIView):
    """Try a failed (or any finished) execution again now, with the same idempotency key."""

    @extend_schema(request=None, responses={202: ExecutionSerializer})
    def post(self, request: Request, execution_id: UUID) -> Response:
        execution = get_object_or_404(Execution, pk=execution_id)
        if not services.execution_replay(execution=execution):
            raise ApplicationError(
                "execution_running", "The execution is running; replay it once it ends.", status_code=409
            )
        execution.refresh_from_db()
        return Response(ExecutionSerializer(execution).data, status=202)


class EventRerunApi(APIView):
    """Run every contract of a recorded event again (replays its executions, runs contracts added since)."""

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "EventRerun", {"event_id": serializers.UUIDField(), "executions": serializers.IntegerField()}
            )
        },
    )
    def post(self, request: Request, event_id: UUID) -> Response:
        count = services.event_rerun(event_id=event_id)
        if not count:
            raise ApplicationError("nothing_to_run", "No contract runs for this event.", status_code=404)
        return Response({"event_id": event_id, "executions": count}, status=202)


class ReplayJobSerializer(serializers.ModelSerializer):
    contract = serializers.SlugRelatedField(slug_field="identifier", read_only=True, allow_null=True)
    action = serializers.SlugRelatedField(slug_field="identifier", read_only=True, allow_null=True)
    progress = serializers.FloatField(read_only=True, help_text="From 0 to 1.")

    class Meta:
        model = ReplayJob
        exclude = ["cursor"]


class ReplayJobCreateApi(APIView):
    """Replay every execution that matches the filter, in the background (each keeps its webhook-id);
    follow the job's progress at its URL."""

    class InputSerializer(serializers.Serializer):
        contract = serializers.SlugRelatedField(
            slug_field="identifier", queryset=Contract.objects.all(), required=False, allow_null=True
        )
        action = serializers.SlugRelatedField(
            slug_field="identifier", queryset=Action.objects.all(), required=False, allow_null=True
        )
        states = serializers.ListField(
            child=serializers.ChoiceField(choices=[c for c in Execution.State.choices if c[0] != "processing"]),
            required=False,
        )
        created_from = serializers.DateTimeField(required=False, allow_null=True)
        created_until = serializers.DateTimeField(required=False, allow_null=True)

        def validate(self, attrs: dict) -> dict:
            start, end = attrs.get("created_from"), attrs.get("created_until")
            if start and end and end <= start:
                raise serializers.ValidationError({"created_until": "It must be later than created_from."})
            return {**attrs, "states": sorted(set(attrs.get("states", [])))}

    @extend_schema(request=InputSerializer, responses={202: ReplayJobSerializer})
    def post(self, request: Request) -> Response:
        filters = self.InputSerializer(data=request.data)
        filters.is_valid(raise_exception=True)
        job = services.replay_job_create(**filters.validated_data, requested_by=request.user.get_username())
        return Response(ReplayJobSerializer(job).data, status=202)


class ReplayJobDetailApi(APIView):
    @extend_schema(responses=ReplayJobSerializer)
    def get(self, request: Request, job_id: int) -> Response:
        return Response(ReplayJobSerializer(get_object_or_404(ReplayJob, pk=job_id)).data)
