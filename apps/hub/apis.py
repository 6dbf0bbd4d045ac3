"""The configuration API: the same systems, events, actions and contracts as the admin, for scripts.

Staff only (the project's default ``IsAdminUser``). Items are addressed by identifier; deleting one
hides it (soft delete). Credentials are returned once, by the call that creates them.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.hub import serializers as hub_serializers
from apps.hub.models import Action, ApiKey, Configured, Contract, EventType, System
from apps.hub.services import api_key_create, api_key_revoke, oauth_client_create

AUTHENTICATION = [SessionAuthentication, BasicAuthentication]


class ConfiguredViewSet(viewsets.ModelViewSet):
    """List, create, read, change and delete one kind of configured item."""

    authentication_classes = AUTHENTICATION
    lookup_field = "identifier"
    # Event and action identifiers contain dots ("crm.customer_created").
    lookup_value_regex = "[^/]+"

    def perform_destroy(self, instance: Configured) -> None:
        instance.soft_delete()


class SystemViewSet(ConfiguredViewSet):
    queryset = System.objects.select_related("oauth_application")
    serializer_class = hub_serializers.SystemSerializer


class EventTypeViewSet(ConfiguredViewSet):
    queryset = EventType.objects.select_related("system")
    serializer_class = hub_serializers.EventTypeSerializer


class ActionViewSet(ConfiguredViewSet):
    queryset = Action.objects.select_related("system", "response_event_type")
    serializer_class = hub_serializers.ActionSerializer


class ContractViewSet(ConfiguredViewSet):
    queryset = Contract.objects.select_related("event_type__system", "action__system")
    serializer_class = hub_serializers.ContractSerializer


class SystemApiKeysApi(APIView):
    """A producer's API keys: list them (by prefix only), or create one (its key is returned once)."""

    authentication_classes = AUTHENTICATION

    @extend_schema_serializer(component_name="ApiKeyCreateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120, help_text="What the key is for, e.g. 'production'.")

    @extend_schema(operation_id="systems_api_keys_list", responses=hub_serializers.ApiKeySerializer(many=True))
    def get(self, request: Request, identifier: str) -> Response:
        system = get_object_or_404(System, identifier=identifier)
        return Response(hub_serializers.ApiKeySerializer(system.api_keys.all(), many=True).data)

    @extend_schema(
        operation_id="systems_api_keys_create",
        request=InputSerializer,
        responses={201: hub_serializers.ApiKeyCreatedSerializer},
    )
    def post(self, request: Request, identifier: str) -> Response:
        system = get_object_or_404(System, identifier=identifier)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        api_key, key = api_key_create(system=system, name=data.validated_data["name"])
        return Response({**hub_serializers.ApiKeySerializer(api_key).data, "key": key}, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    """Revoke an API key: events sent with it are refused from now on. Revoking twice changes nothing."""

    authentication_classes = AUTHENTICATION

    @extend_schema(operation_id="systems_api_keys_revoke", request=None, responses=hub_serializers.ApiKeySerializer)
    def post(self, request: Request, identifier: str, key_id: int) -> Response:
        api_key = get_object_or_404(ApiKey, pk=key_id, system__identifier=identifier, system__deleted_at__isnull=True)
        api_key_revoke(api_key=api_key)
        api_key.refresh_from_db()
        return Response(hub_serializers.ApiKeySerializer(api_key).data)


class SystemOAuthClientCreateApi(APIView):
    """Give a system a new OAuth2 client (replacing its previous one); the secret is returned once."""

    authentication_classes = AUTHENTICATION

    @extend_schema(
        operation_id="systems_oauth_client_create",
        request=None,
        responses={201: hub_serializers.OAuthClientSerializer},
    )
    def post(self, request: Request, identifier: str) -> Response:
        system = get_object_or_404(System.objects.select_related("oauth_application"), identifier=identifier)
        client_id, secret = oauth_client_create(system=system)
        answer = {
            "client_id": client_id,
            "client_secret": secret,
            "token_url": request.build_absolute_uri(reverse("oauth2_provider:token")),
        }
        return Response(hub_serializers.OAuthClientSerializer(answer).data, status=status.HTTP_201_CREATED)
