"""DRF settings classes of Junction's own (kept apart from ``apps.core.api``, which DRF's views import)."""

from typing import Any

from rest_framework.exceptions import APIException
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import BaseParser

from apps.core import strict_json


class RefusedJson(APIException):
    status_code = 422
    default_code = "invalid_json"


class StrictJSONParser(BaseParser):
    """DRF's JSON parser with the strict rules of ``apps.core.strict_json``: what is stored is what every
    reader sees."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return strict_json.loads(stream.read() if stream is not None else b"")
        except strict_json.InvalidJson as exc:
            raise RefusedJson(exc.message) from None


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=``, with limit at most 1000 and offsets any database can take."""

    max_limit = 1000

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), 2**62)
