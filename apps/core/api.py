"""The shape of every error a client sees: ``{"error": {"code", "message", "details"}}``."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core import strict_json


class ApplicationError(Exception):
    """A business error with a stable machine-readable code, raised by services."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: Any = None,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
        if status_code is not None:
            self.status_code = status_code


def json_content_type_required(content_type: str) -> None:
    """A body declared as something other than JSON is refused (415); an undeclared one is read as JSON."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise ApplicationError(
            "unsupported_media_type",
            f"The body is declared as {media_type}; send JSON with Content-Type: application/json.",
            status_code=415,
        )


def json_body(raw: bytes, *, code: str = "invalid_json") -> Any:
    """A request body decoded by the strict rules (``apps.core.strict_json``), or a 422 saying what is refused."""
    try:
        return strict_json.loads(raw)
    except strict_json.InvalidJson as exc:
        raise ApplicationError(code, exc.message, status_code=422) from None


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code, headers=exc.headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", "The request is not valid.", exc.detail)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, str(exc.detail))
    return response
