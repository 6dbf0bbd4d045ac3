"""The OAuth2 token endpoint producers get bearer tokens from (client credentials)."""

import base64
import binascii

from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.views import TokenView

from apps.core import throttle


class ThrottledTokenView(TokenView):
    """django-oauth-toolkit's token view, with failed client authentication throttled per address and
    per client id like API keys (answered in OAuth2's own error format)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        client_id = _client_id(request)
        if wait := throttle.blocked("oauth", request, client_id):
            body = {"error": "too_many_failures", "error_description": f"Too many failed attempts; retry in {wait} s."}
            return JsonResponse(body, status=429, headers={"Retry-After": str(wait)})
        response = super().post(request, *args, **kwargs)
        if response.status_code == 401:
            throttle.failed("oauth", request, client_id)
        return response


def _client_id(request: HttpRequest) -> str | None:
    """The client id of a token request: from HTTP Basic credentials, or the form's client_id."""
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("basic "):
        try:
            return base64.b64decode(authorization[6:]).decode().split(":", 1)[0][:100] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return request.POST.get("client_id", "")[:100] or None
