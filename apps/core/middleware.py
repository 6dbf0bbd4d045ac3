"""Answers for requests that never reach a view's own error handling."""

import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.core.api import error_body

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 5


class RequestGuardMiddleware:
    """A NUL character in the URL is refused at once (PostgreSQL cannot compare text holding one), and
    a database that is down or restarting gives a JSON 503 with Retry-After, never an HTML page: the
    client tries again, and nothing it sent was stored."""

    sync_capable = async_capable = True  # requests answered on the web server's loop pass it too

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if iscoroutinefunction(self):
            return self._acall(request)
        if refused := self._refused(request):
            return refused
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return self._unavailable(exc)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if refused := self._refused(request):
            return refused
        try:
            return await self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return self._unavailable(exc)

    @staticmethod
    def _refused(request: HttpRequest) -> HttpResponse | None:
        if "\x00" in request.path or any("\x00" in key + value for key, value in request.GET.items()):
            return JsonResponse(error_body("bad_url", "The URL contains a NUL character (%00)."), status=400)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            return self._unavailable(exception)
        return None

    @staticmethod
    def _unavailable(exc: DatabaseError) -> HttpResponse:
        logger.warning("Database unavailable: %s", exc)
        body = error_body("database_unavailable", "The database cannot be reached right now; try again shortly.")
        response = JsonResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
