"""Read API over the landscape read models (staff), and host deregistration."""

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.landscape import checks, selectors, services
from apps.landscape.models import ApplicationInstance, Cluster, Database, DatabaseInstance, Host, SlesSubscription


class SlesSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlesSubscription
        exclude = ["id", "host"]


class HostSerializer(serializers.ModelSerializer):
    sles_subscriptions = SlesSubscriptionSerializer(many=True, read_only=True)

    class Meta:
        model = Host
        fields = "__all__"


class ClusterSerializer(serializers.ModelSerializer):
    cib_last_written = serializers.SerializerMethodField()

    class Meta:
        model = Cluster
        fields = "__all__"

    def get_cib_last_written(self, cluster: Cluster) -> str | None:
        return selectors.cib_last_written(cluster.id)


class DatabaseInstanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = DatabaseInstance
        exclude = ["id"]


class DatabaseSerializer(serializers.ModelSerializer):
    instances = DatabaseInstanceSerializer(many=True, read_only=True)

    class Meta:
        model = Database
        fields = "__all__"


class ApplicationInstanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationInstance
        exclude = ["id"]


class SapSystemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sid = serializers.CharField()
    tenant = serializers.CharField(allow_null=True)
    db_host = serializers.CharField(allow_null=True)
    database_id = serializers.UUIDField(allow_null=True)
    ensa_version = serializers.CharField(allow_null=True)
    health = serializers.CharField()
    database_health = serializers.CharField(allow_null=True)
    database_stale_at = serializers.DateTimeField(allow_null=True)
    stale_at = serializers.DateTimeField(allow_null=True)
    deregistered_at = serializers.DateTimeField(allow_null=True)
    registered_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    instances = ApplicationInstanceSerializer(many=True, read_only=True)


class HostListApi(generics.ListAPIView):
    """Registered hosts with their SLES subscriptions."""

    serializer_class = HostSerializer
    queryset = selectors.host_list()


class HostDetailApi(generics.RetrieveAPIView):
    serializer_class = HostSerializer
    queryset = selectors.host_list()

    @extend_schema(
        operation_id="hosts_deregister",
        summary="Deregister a host",
        description="Only a host whose agent stopped sending heartbeats (422 host_alive otherwise). Its instances "
        "and cluster membership are removed with it.",
        responses={204: None, 404: OpenApiResponse(description="no such host"), 422: OpenApiResponse()},
    )
    def delete(self, request: Request, pk: UUID) -> Response:
        services.host_deregistration_request(host=pk, actor=f"user {request.user.get_username()}")
        return Response(status=204)


class ClusterListApi(generics.ListAPIView):
    serializer_class = ClusterSerializer
    queryset = selectors.cluster_list()


class ClusterDetailApi(generics.RetrieveAPIView):
    serializer_class = ClusterSerializer
    queryset = selectors.cluster_list()


class DatabaseListApi(generics.ListAPIView):
    serializer_class = DatabaseSerializer
    queryset = selectors.database_list()


class DatabaseDetailApi(generics.RetrieveAPIView):
    serializer_class = DatabaseSerializer
    queryset = selectors.database_list()


class SapSystemListApi(generics.ListAPIView):
    serializer_class = SapSystemSerializer
    queryset = selectors.sap_system_list()


class SapSystemDetailApi(generics.RetrieveAPIView):
    serializer_class = SapSystemSerializer
    queryset = selectors.sap_system_list()


class SapSystemsHealthApi(APIView):
    """Per SAP system: its health, its database's, and its hosts' and clusters' (worst of)."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        sid = serializers.CharField()
        sapsystem_health = serializers.CharField()
        database_id = serializers.UUIDField(allow_null=True)
        database_sid = serializers.CharField(allow_null=True)
        database_health = serializers.CharField(allow_null=True)
        application_cluster_health = serializers.CharField(allow_null=True)
        database_cluster_health = serializers.CharField(allow_null=True)
        application_hosts_health = serializers.CharField(allow_null=True)
        database_hosts_health = serializers.CharField(allow_null=True)

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(selectors.sap_systems_health(), many=True).data)


class AbsentInstanceApi(APIView):
    """Remove an instance its host no longer reports (spec §5): ``kind`` is ``sap_system`` or ``database``."""

    kind = ""

    @extend_schema(
        summary="Remove an absent instance",
        description="Only an instance that its host no longer reports (absent); 422 instance_present otherwise.",
        responses={204: None, 404: OpenApiResponse(description="no such instance"), 422: OpenApiResponse()},
    )
    def delete(self, request: Request, pk: UUID, host_id: UUID, instance_number: str) -> Response:
        services.absent_instance_remove(
            kind=self.kind,
            target=pk,
            host=host_id,
            instance_number=instance_number,
            actor=f"user {request.user.get_username()}",
        )
        return Response(status=204)


class ChecksSelectionApi(APIView):
    """Select the checks a cluster or host runs (``kind``: ``cluster`` or ``host``)."""

    kind = ""

    class ChecksSelectionSerializer(serializers.Serializer):
        checks = serializers.ListField(child=serializers.CharField(max_length=20), max_length=1000)

    @extend_schema(
        summary="Select checks",
        description="The checks this cluster or host runs from now on (an empty list clears the selection). "
        "422 unknown_checks for an id the catalog does not have.",
        request=ChecksSelectionSerializer,
        responses={
            202: ChecksSelectionSerializer,
            404: OpenApiResponse(description="no such cluster or host"),
            422: None,
        },
    )
    def post(self, request: Request, pk: UUID) -> Response:
        data = self.ChecksSelectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = f"user {request.user.get_username()}"
        selected = list(dict.fromkeys(data.validated_data["checks"]))
        checks.checks_select(kind=self.kind, group_id=pk, checks=selected, actor=actor)
        return Response({"checks": selected}, status=202)


class ChecksExecutionRequestApi(APIView):
    """Run a cluster's or host's selected checks now."""

    kind = ""

    class ExecutionRequestedSerializer(serializers.Serializer):
        execution_id = serializers.UUIDField()

    @extend_schema(
        summary="Request a checks execution",
        description="Runs the selected checks on the agents now; the result folds into the checks health. "
        "422 no_checks_selected without a selection, already_running while one runs.",
        request=None,
        responses={
            202: ExecutionRequestedSerializer,
            404: OpenApiResponse(description="no such cluster or host"),
            422: None,
        },
    )
    def post(self, request: Request, pk: UUID) -> Response:
        actor = f"user {request.user.get_username()}"
        execution = checks.execution_request(kind=self.kind, group_id=pk, actor=actor)
        return Response({"execution_id": execution.pk}, status=202)
