"""OpenAPI pieces shared by the analytics views: the one error shape."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(),
            },
        )
    },
)

ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer, description="Invalid input; `fields` names it."
    ),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
    403: OpenApiResponse(ErrorSerializer, description="The caller's role may not."),
    503: OpenApiResponse(
        ErrorSerializer,
        description="The database is unavailable, or the call cannot be recorded in "
        "the audit log; retry after `Retry-After` seconds.",
    ),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such object.")}
THROTTLED = {429: OpenApiResponse(ErrorSerializer, description="Too many requests.")}
TOO_LARGE = {
    413: OpenApiResponse(ErrorSerializer, description="The request body is too large.")
}
