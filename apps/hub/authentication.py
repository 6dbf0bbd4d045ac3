"""API keys as DRF credentials, for APIs that machines call (a CI pipeline trying a check, say)."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.hub.models import ApiKey
from apps.hub.services import api_key_authenticate


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema shows the API key header."""

    target_class = "apps.hub.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}


class ApiKeyAuthentication(BaseAuthentication):
    """``X-API-Key``: ``request.auth`` is the key (with its system); ``request.user`` stays anonymous."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        key = request.headers.get("X-API-Key")
        if not key:
            return None
        api_key = api_key_authenticate(key)
        if api_key is None:
            raise AuthenticationFailed("The API key is not valid (or was revoked).")
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return "X-API-Key"


def has_api_key_of(system_identifier: str) -> type[BasePermission]:
    """A permission: the request came with an API key of this system."""

    class HasApiKeyOfSystem(BasePermission):
        message = f"Send an API key of the {system_identifier!r} system."

        def has_permission(self, request: Request, view: object) -> bool:
            return isinstance(request.auth, ApiKey) and request.auth.system.identifier == system_identifier

    return HasApiKeyOfSystem
