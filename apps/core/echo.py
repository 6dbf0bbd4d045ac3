from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import strict_json
from apps.hub.outbound import SECRET_HEADERS


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
class EchoApi(APIView):
    """Answers with the request it got: a harmless target for trying actions (the demo uses it)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def _echo(self, request: Request, path: str = "") -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in SECRET_HEADERS}
        raw = request.body
        try:
            body = strict_json.loads(raw) if raw else None
        except strict_json.InvalidJson:  # a body that is not JSON is echoed as text
            body = raw.decode(errors="replace")
        return Response({"method": request.method, "path": path, "query": request.query_params, "headers": headers,
                         "body": body})  # fmt: skip

    get = post = put = patch = delete = _echo
