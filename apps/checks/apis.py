"""The checks API: catalog, customizations, executions (staff), facts gathering (agents), playground.

Shapes follow wanda's (spec §6); agents use an HTTP long-polling exchange instead of RabbitMQ:
``GET agents/<id>/facts-requests`` returns the agent's pending ``FactsGatheringRequested`` targets
and ``POST agents/<id>/facts`` takes its ``FactsGathered``.
"""

import time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.checks import selectors, services
from apps.checks.catalog import catalog
from apps.checks.models import Execution
from apps.core.api import ApplicationError
from apps.hub.authentication import ApiKeyAuthentication, has_api_key_of

AUTHENTICATION = [SessionAuthentication, BasicAuthentication]
#: The built-in system of the checks engine (its events; API keys for the playground).
CHECKS_SYSTEM = "checks"
AGENT_KEY = [
    OpenApiParameter("X-API-Key", str, OpenApiParameter.HEADER, description="An API key of the Agents system."),
]


def _validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validated input; an invalid body is a 422, as wanda answers for these endpoints."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ApplicationError("invalid", "The request is not valid.", details=serializer.errors, status_code=422)
    return serializer.validated_data


def _env_from_query(request: Request, *exclude: str) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items() if key not in exclude}


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not declare (wanda's ``additionalProperties: false``)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({key: "Unknown field." for key in unknown})
        return attrs


class EnvField(serializers.DictField):
    """An env map: values are integers, booleans, strings or lists of those."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        env = super().to_internal_value(data)
        for key, value in env.items():
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(item, bool | int | str) for item in items):
                raise serializers.ValidationError(f"{key}: an integer, a boolean, a string or a list of those.")
        return env


# --- Catalog ----------------------------------------------------------------------------------


class CatalogListApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(
        operation_id="checks_catalog_list",
        summary="Catalog checks applicable to an env",
        description="Every query parameter is an env entry (e.g. `?target_type=cluster&provider=azure`); "
        "no parameter lists the whole catalog. Files that could not be loaded are under `errors`.",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        loaded = catalog()
        checks = loaded.select(loaded.checks, _env_from_query(request))
        return Response({"items": [selectors.check_json(c) for c in checks], "errors": selectors.load_errors_json()})


class CatalogCheckApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(operation_id="checks_catalog_retrieve", summary="One catalog check", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, check_id: str) -> Response:
        return Response(selectors.check_json(services.check_require(check_id)))


class CatalogErrorsApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(
        operation_id="checks_catalog_errors",
        summary="Catalog files that could not be loaded",
        description="Each bad file is left out of the catalog; the others load normally.",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        return Response({"items": selectors.load_errors_json()})


class GroupChecksApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(
        operation_id="checks_group_checks",
        summary="Selectable checks of a group, with its customizations",
        description="Query parameters are the env, as for the catalog.",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request, group_id: UUID) -> Response:
        return Response({"items": selectors.selectable_checks(group_id=group_id, env=_env_from_query(request))})


class CustomizationApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema_serializer(component_name="ChecksCustomization")
    class InputSerializer(StrictSerializer):
        values = serializers.ListField(child=serializers.DictField(), help_text="[{name, value}]")

    @extend_schema(
        operation_id="checks_customization_apply",
        summary="Customize a check's values for a group",
        request=InputSerializer,
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(description="invalid custom values (details list each problem)"),
            403: OpenApiResponse(description="the check is not customizable"),
            404: OpenApiResponse(description="no such check"),
        },
    )
    def post(self, request: Request, group_id: UUID, check_id: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customization = services.customization_apply(
            group_id=group_id, check_id=check_id, values=data.validated_data["values"]
        )
        values = [{"name": name, "value": value} for name, value in customization.values.items()]
        return Response({"check_id": check_id, "group_id": str(group_id), "custom_values": values})

    @extend_schema(
        operation_id="checks_customization_reset", summary="Reset a check's customization", responses={204: None}
    )
    def delete(self, request: Request, group_id: UUID, check_id: str) -> Response:
        services.customization_reset(group_id=group_id, check_id=check_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Executions -------------------------------------------------------------------------------


class ExecutionStartApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema_serializer(component_name="ChecksTarget")
    class TargetSerializer(StrictSerializer):
        agent_id = serializers.UUIDField()
        checks = serializers.ListField(child=serializers.CharField())
        attributes = serializers.DictField(required=False, default=dict)

    @extend_schema_serializer(component_name="ChecksExecutionStart")
    class InputSerializer(StrictSerializer):
        execution_id = serializers.UUIDField(required=False, help_text="Generated when left out.")
        group_id = serializers.UUIDField()
        targets = serializers.ListField(child=serializers.DictField(), min_length=1)
        target_type = serializers.CharField(required=False, allow_null=True, default=None)
        env = EnvField(required=False, default=dict)

        def validate_targets(self, targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
            validated = []
            for index, target in enumerate(targets):
                serializer = ExecutionStartApi.TargetSerializer(data=target)
                if not serializer.is_valid():
                    raise serializers.ValidationError({index: serializer.errors})
                validated.append(serializer.validated_data)
            return validated

    @extend_schema(
        operation_id="checks_executions_start",
        summary="Start an execution",
        request=InputSerializer,
        responses={
            202: OpenApiTypes.OBJECT,
            422: OpenApiResponse(description="no_checks_selected, already_running or an invalid body"),
        },
    )
    def post(self, request: Request) -> Response:
        body = _validated(self.InputSerializer, request.data)
        execution = services.execution_start(
            execution_id=body.get("execution_id"),
            group_id=body["group_id"],
            targets=services.targets_from(body["targets"]),
            target_type=body["target_type"],
            env=body["env"],
            started_by=f"user {request.user.get_username()}",
        )
        return Response(
            {"execution_id": str(execution.pk), "group_id": str(execution.group_id)}, status=status.HTTP_202_ACCEPTED
        )


class ExecutionListApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(
        operation_id="checks_executions_list",
        summary="Executions, newest first",
        parameters=[
            OpenApiParameter("group_id", OpenApiTypes.UUID, required=False),
            OpenApiParameter("page", int, required=False),
            OpenApiParameter("items_per_page", int, required=False),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        params = self.Filter(data=request.query_params)
        params.is_valid(raise_exception=True)
        executions = Execution.objects.all()
        if params.validated_data.get("group_id"):
            executions = executions.filter(group_id=params.validated_data["group_id"])
        size, page = params.validated_data["items_per_page"], params.validated_data["page"]
        items = executions[(page - 1) * size : page * size]
        return Response({"items": [selectors.execution_json(e) for e in items], "total_count": executions.count()})

    class Filter(serializers.Serializer):
        group_id = serializers.UUIDField(required=False)
        page = serializers.IntegerField(min_value=1, max_value=10**9, default=1)  # the offset fits in 64 bits
        items_per_page = serializers.IntegerField(min_value=1, max_value=100, default=10)


class ExecutionDetailApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(operation_id="checks_executions_retrieve", summary="One execution", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, execution_id: UUID) -> Response:
        return Response(selectors.execution_json(get_object_or_404(Execution, pk=execution_id)))


class GroupLastExecutionApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(
        operation_id="checks_groups_last_execution", summary="A group's last execution", responses=OpenApiTypes.OBJECT
    )
    def get(self, request: Request, group_id: UUID) -> Response:
        execution = Execution.objects.filter(group_id=group_id).order_by("-started_at").first()
        if execution is None:
            raise ApplicationError("not_found", f"Group {group_id} has no execution.", status_code=404)
        return Response(selectors.execution_json(execution))


# --- Agents -----------------------------------------------------------------------------------


def _agent_key(request: Request) -> str | None:
    return request.headers.get("X-API-Key") or request.headers.get("X-Trento-Apikey")


class AgentFactsRequestsApi(APIView):
    """An agent's pending facts requests; ``wait`` seconds of long polling while there are none."""

    authentication_classes = []
    permission_classes = []
    POLL_INTERVAL = 0.5

    @extend_schema(
        operation_id="checks_agent_facts_requests",
        summary="Pending facts requests of an agent",
        description="Returns at once when requests are pending; otherwise waits up to `wait` seconds "
        "(at most CHECKS_AGENT_LONG_POLL_SECONDS) for one to arrive.",
        parameters=[*AGENT_KEY, OpenApiParameter("wait", int, required=False)],
        responses={200: OpenApiTypes.OBJECT, 401: OpenApiResponse(description="missing or wrong agent key")},
    )
    def get(self, request: Request, agent_id: UUID) -> Response:
        services.agent_authenticate(key=_agent_key(request))
        try:
            wait = max(0, min(int(request.query_params.get("wait", 0)), settings.CHECKS_AGENT_LONG_POLL_SECONDS))
        except ValueError:
            wait = 0
        deadline = time.monotonic() + wait
        pending = services.facts_requests_pending(agent_id=agent_id)
        while not pending and time.monotonic() < deadline:
            time.sleep(self.POLL_INTERVAL)
            pending = services.facts_requests_pending(agent_id=agent_id)
        return Response({"items": [selectors.facts_request_json(r) for r in pending]})


class AgentFactsApi(APIView):
    authentication_classes = []
    permission_classes = []

    @extend_schema_serializer(component_name="ChecksFact")
    class FactSerializer(StrictSerializer):
        check_id = serializers.CharField()
        name = serializers.CharField()
        value = serializers.JSONField(required=False, allow_null=True)
        error_value = serializers.DictField(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            attrs = super().validate(attrs)
            if ("value" in self.initial_data) == ("error_value" in attrs):
                raise serializers.ValidationError("Give exactly one of value and error_value.")
            error = attrs.get("error_value")
            if error is not None and not (isinstance(error.get("type"), str) and isinstance(error.get("message"), str)):
                raise serializers.ValidationError({"error_value": "{type, message}, both strings."})
            if "value" in self.initial_data:
                attrs["value"] = self.initial_data["value"]
            return attrs

    @extend_schema_serializer(component_name="ChecksFactsGathered")
    class InputSerializer(StrictSerializer):
        execution_id = serializers.UUIDField()
        group_id = serializers.UUIDField(required=False)
        agent_id = serializers.UUIDField(required=False)
        facts_gathered = serializers.ListField(child=serializers.DictField())

        def validate_facts_gathered(self, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
            validated = []
            for index, fact in enumerate(facts):
                serializer = AgentFactsApi.FactSerializer(data=fact)
                if not serializer.is_valid():
                    raise serializers.ValidationError({index: serializer.errors})
                validated.append(dict(serializer.validated_data))
            return validated

    @extend_schema(
        operation_id="checks_agent_facts_submit",
        summary="Post the facts an agent gathered",
        parameters=AGENT_KEY,
        request=InputSerializer,
        responses={
            202: OpenApiTypes.OBJECT,
            401: OpenApiResponse(description="missing or wrong agent key"),
            404: OpenApiResponse(description="the agent was not asked for facts in this execution"),
            409: OpenApiResponse(description="already answered, or the execution completed (timed out)"),
        },
    )
    def post(self, request: Request, agent_id: UUID) -> Response:
        services.agent_authenticate(key=_agent_key(request))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.facts_submit(
            agent_id=agent_id,
            execution_id=data.validated_data["execution_id"],
            facts_gathered=data.validated_data["facts_gathered"],
        )
        return Response(
            {"execution_id": str(answer.execution_id), "agent_id": str(agent_id), "status": answer.status},
            status=status.HTTP_202_ACCEPTED,
        )


# --- Playground -------------------------------------------------------------------------------


class PlaygroundApi(APIView):
    """Staff, or a machine with an API key of the built-in Checks system (a check author's CI, say)."""

    authentication_classes = [ApiKeyAuthentication, *AUTHENTICATION]  # first: a wrong key is a 401
    permission_classes = [IsAdminUser | has_api_key_of(CHECKS_SYSTEM)]

    @extend_schema_serializer(component_name="ChecksPlayground")
    class InputSerializer(StrictSerializer):
        check = serializers.CharField(required=False, help_text="The check's YAML text.")
        check_id = serializers.CharField(required=False, help_text="Or the id of a catalog check.")
        env = EnvField(required=False, default=dict)
        target_type = serializers.CharField(required=False, allow_null=True, default=None)
        facts = serializers.DictField(
            child=serializers.DictField(),
            help_text='Agent id → fact name → value ({"error_value": {type, message}} for a gathering error).',
        )
        attributes = serializers.DictField(child=serializers.DictField(), required=False, default=dict)
        custom_values = serializers.DictField(required=False, default=dict)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            attrs = super().validate(attrs)
            if ("check" in attrs) == ("check_id" in attrs):
                raise serializers.ValidationError("Give exactly one of check (YAML text) and check_id.")
            if not attrs["facts"]:
                raise serializers.ValidationError({"facts": "The facts of at least one agent."})
            return attrs

    @extend_schema(
        operation_id="checks_playground_evaluate",
        summary="Evaluate a check on given facts, without agents",
        request=InputSerializer,
        responses={
            200: OpenApiTypes.OBJECT,
            422: OpenApiResponse(description="invalid_check: details give each field and problem"),
        },
    )
    def post(self, request: Request) -> Response:
        body = _validated(self.InputSerializer, request.data)
        check = services.check_from_yaml(body["check"]) if "check" in body else services.check_require(body["check_id"])
        return Response(
            services.playground_evaluate(
                check=check,
                env=body["env"],
                target_type=body["target_type"],
                agents=body["facts"],
                attributes=body["attributes"],
                custom_values=body["custom_values"],
            )
        )
