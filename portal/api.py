"""Shared pieces of the REST API: the error handler, the pagination, the parameters' reader
and the error responses every operation documents (docs/api/openapi.yaml).

What an operation answers and what its schema says are kept equal by the schemathesis test
(tests/security/test_api_fuzz.py), which runs every operation of the committed schema."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django_ratelimit.exceptions import Ratelimited
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .numbers import ascii_digits, parse_int

#: the one prefix of the API's URLs: a 404 there is JSON, like every other answer of the API
API_PREFIX = "/api/"


def exception_handler(exc, context):
    """DRF's handler, with rate limiting answered as 429 rather than 403."""
    if isinstance(exc, Ratelimited):
        return Response(
            {"detail": "Too many requests. Try again in a minute."},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": "60"},
        )
    return drf_exception_handler(exc, context)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: under /api/ a URL that matches no operation (a procedure code of the wrong
    form, an empty path segment) answers like the operations do, `{"detail": ...}` in JSON;
    elsewhere Django's page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


class Pagination(PageNumberPagination):
    """DRF's page numbers, read strictly: `page` is a whole number of ASCII digits from 1 to
    the last page (empty or absent: 1). Anything else (0, a negative number, "last", "٣", a
    page beyond the end) is DRF's 404 "Invalid page.", as documented on each list."""

    last_page_strings = ()
    page_query_description = (
        "A page number, from 1 to the last page; any other value is a 404 (Invalid page)."
    )

    def get_page_number(self, request, paginator):
        raw = request.query_params.getlist(self.page_query_param)
        if raw in ([], [""]):
            return 1
        number = parse_int(raw[-1], minimum=1) if ascii_digits(raw[-1]) else None
        if len(raw) > 1 or number is None:
            raise NotFound(self.invalid_page_message)
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


def empty_query_values(result, generator, request, public):
    """drf-spectacular hook: DRF reads an optional query parameter sent empty (`?level=`) as
    absent, and so does the pagination; the schema says so (`allowEmptyValue`)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


NUL_REFUSED = (
    "A NUL character in the path, the query string or a form is refused with this 400 by "
    "portal.middleware.RefuseNulMiddleware, before the operation runs."
)


def nul_refusal(result, generator, request, public):
    """drf-spectacular hook: every operation may answer the middleware's 400 for a NUL
    character (`{"detail": ...}`); an operation that documents no 400 of its own gets it."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if "400" in responses:
                responses["400"]["description"] += f" {NUL_REFUSED}"
            else:
                responses["400"] = {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                    "description": NUL_REFUSED,
                }
    return result


def query_params(request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The query parameters of `serializer_class`, validated (a 400 with DRF's field errors
    otherwise). A parameter given twice is refused: the schema declares one value each."""
    repeated: dict[str, list] = {
        name: [_("Give this parameter once.")]
        for name in serializer_class().fields.keys()
        if len(request.query_params.getlist(name)) > 1
    }
    if repeated:
        raise ValidationError(repeated)
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ErrorSerializer(serializers.Serializer):
    """The body of every refusal that is not about fields: 401, 403, 404, 405, 429."""

    detail = serializers.CharField()


#: DRF's field errors: each field (or "non_field_errors") with its messages
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"field": ["This field is required."]},
}

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[429],
    required=True,
    description="Seconds to wait before trying again.",
)


def error(description: str) -> OpenApiResponse:
    """A documented refusal with the `{"detail": ...}` body."""
    return OpenApiResponse(response=ErrorSerializer, description=description)


def field_errors(description: str) -> OpenApiResponse:
    """A documented 400 with DRF's field errors, or `{"detail": ...}` for a malformed body."""
    return OpenApiResponse(
        response={"oneOf": [FIELD_ERRORS_SCHEMA, {"$ref": "#/components/schemas/Error"}]},
        description=description,
    )


PAGE_NOT_FOUND = error("`page` is not the number of a page of the results (Invalid page).")
TOO_MANY_REQUESTS = error("Too many requests; `Retry-After` says when to try again.")
