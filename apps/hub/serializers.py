"""What the configuration API reads and writes. Items refer to each other by identifier."""

import copy
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from apps.hub.forms import ACTION_SECRET_FIELDS
from apps.hub.models import Action, ApiKey, Contract, EventType, System

COMMON_FIELDS = ["identifier", "name", "description", "is_active", "created_at", "updated_at"]


class ConfiguredSerializer(serializers.ModelSerializer):
    """Validates through the model's ``clean()``, so the API refuses what the admin refuses, with the same words."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        identifier = fields["identifier"]
        if self.instance is not None:
            identifier.read_only = True
        else:
            # Soft-deleted items keep their identifier: the uniqueness check must see them too.
            identifier.validators = [
                *(v for v in identifier.validators if not isinstance(v, UniqueValidator)),
                UniqueValidator(self.Meta.model.all_objects.all(), message="This identifier is already used."),
            ]
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            setattr(candidate, name, value)
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from None
        return attrs


def identifier_of(queryset, **kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="identifier", queryset=queryset, **kwargs)


class SystemSerializer(ConfiguredSerializer):
    oauth_client_id = serializers.CharField(
        source="oauth_application.client_id",
        read_only=True,
        allow_null=True,
        help_text="The system's OAuth2 client, if it has one.",
    )

    class Meta:
        model = System
        fields = [*COMMON_FIELDS, "kind", "role", "oauth_client_id"]


class EventTypeSerializer(ConfiguredSerializer):
    system = identifier_of(System.objects.all(), help_text="The identifier of the producer.")

    class Meta:
        model = EventType
        fields = [*COMMON_FIELDS, "system", "operation", "payload_schema"]


class ActionSerializer(ConfiguredSerializer):
    system = identifier_of(System.objects.all(), help_text="The identifier of the subscriber.")
    response_event_type = identifier_of(
        EventType.objects.all(),
        required=False,
        allow_null=True,
        help_text="Optional: the identifier of the event the response becomes (chaining).",
    )

    class Meta:
        model = Action
        fields = [
            *COMMON_FIELDS,
            "system",
            "operation",
            "method",
            "url",
            "headers",
            "query_params",
            "body",
            "timeout_seconds",
            "auth",
            "auth_username",
            "auth_secret",
            "oauth_token_url",
            "oauth_client_id",
            "oauth_client_secret",
            "oauth_scope",
            "oauth_token_path",
            "max_tries",
            "retry_base_seconds",
            "retry_max_seconds",
            "max_in_flight",
            "ordering_key",
            "response_event_type",
            "disabled_at",
            "disabled_reason",
        ]
        extra_kwargs = {
            name: {
                "write_only": True,
                "help_text": "Write-only; omit it or send an empty value to keep the stored one.",
            }
            for name in ACTION_SECRET_FIELDS
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for name in ACTION_SECRET_FIELDS:
                if not attrs.get(name):
                    attrs.pop(name, None)
        return super().validate(attrs)


class ContractSerializer(ConfiguredSerializer):
    event_type = identifier_of(EventType.objects.all(), help_text="The identifier of the event.")
    action = identifier_of(Action.objects.all(), help_text="The identifier of the action.")
    sentence = serializers.CharField(read_only=True, help_text="The contract in words: WHEN … THEN ….")

    class Meta:
        model = Contract
        fields = [*COMMON_FIELDS, "event_type", "action", "condition", "sentence"]


class ApiKeySerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True, help_text="False once the key is revoked.")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself, shown only in this answer.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class OAuthClientSerializer(serializers.Serializer):
    client_id = serializers.CharField()
    client_secret = serializers.CharField(help_text="Shown only in this answer.")
    token_url = serializers.URLField(help_text="Where the system gets tokens (client credentials grant, basic auth).")
