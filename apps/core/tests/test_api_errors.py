"""The API's exception handler: requests Django refuses to read, in the one shape."""

import pytest
from django.core.exceptions import (
    DisallowedRedirect,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from rest_framework.exceptions import ParseError

from apps.core.api import exception_handler


@pytest.mark.parametrize(
    ("exc", "status", "code", "message"),
    [
        (
            RequestDataTooBig("Request body exceeded the limit."),
            413,
            "request_too_large",
            "The request body is larger than 1000 bytes.",
        ),
        (TooManyFieldsSent("Too many fields."), 400, "too_many_fields", None),
        (TooManyFilesSent("Too many files."), 400, "too_many_fields", None),
        # Any other SuspiciousOperation: a 400 that does not echo the request.
        (
            DisallowedRedirect("Unsafe redirect to /secret"),
            400,
            "bad_request",
            "The request was refused.",
        ),
    ],
)
def test_requests_django_refuses_answer_4xx_not_500(
    settings, exc, status, code, message
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["error"]["code"] == code
    assert response.data["error"]["message"] == (message or str(exc))


def test_a_parse_error_names_the_body_as_a_whole():
    response = exception_handler(ParseError("JSON parse error - oops."), {})
    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "parse_error",
            "message": "JSON parse error - oops.",
            "fields": {"non_field_errors": ["JSON parse error - oops."]},
        }
    }
