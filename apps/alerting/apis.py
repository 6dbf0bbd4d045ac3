"""Alerting settings over the API (staff): read, change, and send a test e-mail."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.alerting import services


class AlertingSettingsSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    smtp_server = serializers.CharField(max_length=255, allow_blank=True, required=False)
    smtp_port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    smtp_user = serializers.CharField(max_length=255, allow_blank=True, required=False)
    smtp_password = serializers.CharField(max_length=1024, allow_blank=True, required=False, write_only=True)
    sender = serializers.EmailField(allow_blank=True, required=False)
    recipients = serializers.ListField(child=serializers.EmailField(), max_length=100, required=False)
    password_set = serializers.BooleanField(read_only=True)
    enforced = serializers.BooleanField(read_only=True, help_text="Set by the environment: read-only here.")


def _settings_json() -> dict:
    cfg = services.config()
    return {
        "enabled": cfg.enabled,
        "smtp_server": cfg.smtp_server,
        "smtp_port": cfg.smtp_port,
        "smtp_user": cfg.smtp_user,
        "sender": cfg.sender,
        "recipients": cfg.recipients,
        "password_set": bool(cfg.smtp_password),
        "enforced": cfg.enforced,
    }


class AlertingSettingsApi(APIView):
    @extend_schema(operation_id="alerting_settings_retrieve", responses=AlertingSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(_settings_json())

    @extend_schema(
        operation_id="alerting_settings_update",
        description="Change some settings; the password is stored encrypted and never shown again. 409 "
        "alerting_settings_enforced when the environment (ENABLE_ALERTING ...) sets them.",
        request=AlertingSettingsSerializer,
        responses={200: AlertingSettingsSerializer, 409: OpenApiResponse(description="set by the environment")},
    )
    def patch(self, request: Request) -> Response:
        data = AlertingSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "recipients" in changes:
            changes["recipients"] = "\n".join(changes["recipients"])
        services.settings_update(**changes)
        return Response(_settings_json())


class AlertingTestApi(APIView):
    class SentSerializer(serializers.Serializer):
        sent_to = serializers.ListField(child=serializers.EmailField())

    @extend_schema(
        operation_id="alerting_settings_test",
        summary="Send a test e-mail",
        request=None,
        responses={200: SentSerializer, 422: OpenApiResponse(description="not sent: the reason")},
    )
    def post(self, request: Request) -> Response:
        return Response({"sent_to": services.test_mail_send()})
