"""One error shape for the whole API, produced by one exception handler.

Every error answers `{"error": {"code": ..., "message": ..., "fields": {...}}}`;
`fields` names each bad input field with its messages (for batches, by index).
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import InvalidInput

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("django.security")


# The database restarting, failing over or refusing connections: worth a retry.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(exc) -> Response:
    """Answer 503 with Retry-After: the database cannot be reached right now."""
    logger.error("Database unavailable: %s", exc)
    response = Response(
        error_body(
            "service_unavailable",
            "The database is unavailable right now; try again shortly.",
        ),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """Build the API's error body."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten_detail(detail) -> str:
    """Pick one human-readable message out of a DRF error detail structure."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            return f"{key}: {_flatten_detail(value)}"
        return ""
    if isinstance(detail, list):
        return _flatten_detail(detail[0]) if detail else ""
    return str(detail)


def _refused_request(exc: SuspiciousOperation) -> Response:
    """Answer a request Django refused to read (body too big, too many fields)."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            error_body(
                "request_too_large", f"The request body is larger than {limit} bytes."
            ),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response(
            error_body("too_many_fields", str(exc)), status=status.HTTP_400_BAD_REQUEST
        )
    # Django answers any other SuspiciousOperation with a 400 as well; its message
    # may quote the request, so it is logged (django.security), not sent back.
    security_logger.warning("Refused request: %s", exc)
    return Response(
        error_body("bad_request", "The request was refused."),
        status=status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc, context):
    """Turn any exception raised by a view into the one error shape."""
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return database_unavailable(exc)
    if isinstance(exc, InvalidInput):
        return Response(
            error_body("invalid", exc.message, exc.fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, SuspiciousOperation):
        return _refused_request(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view"))
        return Response(
            error_body("server_error", "An unexpected error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        detail = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail}
        )
        fields = {key: value for key, value in detail.items()}
        message = "Invalid input. " + _flatten_detail(detail)
        response.data = error_body("invalid", message.strip(), fields)
    elif isinstance(exc, exceptions.ParseError):
        # An unreadable body is the body's fault as a whole: name it like that.
        message = _flatten_detail(exc.detail)
        response.data = error_body(
            "parse_error", message, {"non_field_errors": [message]}
        )
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, _flatten_detail(exc.detail))
    return response
