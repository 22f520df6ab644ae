"""Hostile request bodies: each answers 4xx in the error shape, never a 500.

Each case was a 500 (or stored junk) when the API was tried as an attacker would.
The limits: apps/core/parsers.py MAX_JSON_DEPTH, settings.DATA_UPLOAD_MAX_MEMORY_SIZE
and DATA_UPLOAD_MAX_NUMBER_FIELDS, apps/analytics/limits.py for events.
"""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from apps.analytics.limits import (
    MAX_BATCH_EVENTS,
    MAX_ENTITY_LENGTH,
    MAX_EVENT_BYTES,
    MAX_METADATA_BYTES,
    MAX_SESSION_ID_LENGTH,
)
from apps.analytics.models import Report, UserEngagementMetric
from apps.core.parsers import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"


def as_user(user):
    # A 500 must come back as a response to assert on, not as an exception.
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def error(response) -> dict:
    return response.json()["error"]


def event(**changes) -> dict:
    return {"engagement_type": "login", "session_id": "s", **changes}


def nested(depth: int, kind: str = "list") -> str:
    """Return JSON text nesting `depth` arrays (or objects) around a 1."""
    if kind == "list":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


# --- JSON nested deeper than MAX_JSON_DEPTH ----------------------------------------

DEEP = 1200  # about 6 KB of brackets: the depth that took the JSON parser down
POSTS = [
    ("track-engagement/", lambda inner: inner),
    ("track-engagement/", lambda inner: f'{{"events": {inner}}}'),
    ("track-engagement/", lambda inner: f'{{"events": [{{"metadata": {inner}}}]}}'),
    (
        "track-engagement/",
        lambda inner: (
            '{"engagement_type": "login", "session_id": "s", '
            f'"metadata": {{"a": {inner}}}}}'
        ),
    ),
    ("reports/generate/", lambda inner: inner),
    ("reports/generate/", lambda inner: f'{{"report_type": {inner}}}'),
    ("reports/generate/", lambda inner: f'{{"user_ids": {inner}}}'),
]


@pytest.mark.parametrize("kind", ["list", "object"])
@pytest.mark.parametrize(("path", "wrap"), POSTS)
def test_json_nested_too_deep_is_a_400_naming_the_body(org, path, wrap, kind):
    response = as_user(org["admin"]).post(
        API + path, wrap(nested(DEEP, kind)), content_type="application/json"
    )
    assert response.status_code == 400
    assert error(response)["code"] == "parse_error"
    assert error(response)["fields"] == {
        "non_field_errors": [
            f"JSON parse error - the body nests more than {MAX_JSON_DEPTH} levels."
        ]
    }
    assert not UserEngagementMetric.objects.exists()
    assert not Report.objects.exists()


def test_the_login_endpoint_refuses_deep_json_too(org):
    response = APIClient(raise_request_exception=False).post(
        "/api/v1/auth/token/", nested(DEEP, "object"), content_type="application/json"
    )
    assert response.status_code == 400
    assert error(response)["code"] == "parse_error"


def test_json_just_below_the_depth_limit_is_the_service_s_to_judge(org):
    # The body, "events", the event and "metadata" take four levels.
    metadata = json.loads(nested(MAX_JSON_DEPTH - 4, "object"))
    body = {"events": [event(metadata=metadata)]}
    response = as_user(org["member"]).post(
        API + "track-engagement/", body, format="json"
    )
    assert response.status_code == 201
    assert UserEngagementMetric.objects.get().metadata == metadata


def test_a_number_too_large_for_a_float_is_refused_not_stored_as_infinity(org):
    response = as_user(org["member"]).post(
        API + "track-engagement/",
        '{"engagement_type": "login", "session_id": "s", "metadata": {"a": 1e999}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "non_field_errors": ["JSON parse error - 1e999 is too large for a number."]
    }
    assert not UserEngagementMetric.objects.exists()


# --- Bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE --------------------------------


@pytest.mark.parametrize("path", ["track-engagement/", "reports/generate/"])
def test_a_body_over_the_limit_answers_413_in_the_error_shape(org, path):
    body = json.dumps(event(metadata={"x": "a" * 10_000_000}))
    response = as_user(org["member"]).post(
        API + path, body, content_type="application/json"
    )
    assert response.status_code == 413
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert error(response) == {
        "code": "request_too_large",
        "message": f"The request body is larger than {limit} bytes.",
        "fields": {},
    }
    assert not UserEngagementMetric.objects.exists()


def largest_event(index: int, timestamp: str) -> dict:
    """Return an event as large as the limits allow, written as escapes at worst.

    Characters outside the BMP take 12 bytes escaped (a surrogate pair of
    \\uXXXX) but count as one character against the text limits.
    """
    wide = "\U0001f600"
    metadata = {"note": ""}
    metadata["note"] = "m" * (MAX_METADATA_BYTES - len(json.dumps(metadata)))
    return {
        "engagement_type": "dashboard_view",
        "session_id": wide * (MAX_SESSION_ID_LENGTH - 6) + f"{index:06d}",
        "entity_type": wide * MAX_ENTITY_LENGTH,
        "entity_id": wide * MAX_ENTITY_LENGTH,
        "duration_seconds": 86399.999999,
        "metadata": metadata,
        "timestamp": timestamp,
        "event_id": f"00000000-0000-4000-8000-{index:012d}",
    }


def test_the_largest_legitimate_request_fits_in_the_body_limit(org):
    # The limits are consistent: a full batch of the largest events is accepted.
    # The longest ISO form: microseconds and an offset.
    moment = timezone.now().replace(microsecond=999999) - dt.timedelta(hours=1)
    timestamp = moment.astimezone(dt.timezone(dt.timedelta(hours=-9, minutes=-30)))
    events = [largest_event(i, timestamp.isoformat()) for i in range(MAX_BATCH_EVENTS)]
    assert len(json.dumps(events[0])) <= MAX_EVENT_BYTES
    body = json.dumps({"events": events})
    assert len(body) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = as_user(org["member"]).post(
        API + "track-engagement/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content[:300]
    assert response.json()["created"] == MAX_BATCH_EVENTS


def test_too_many_query_parameters_are_a_400_not_a_500(org):
    many = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS))
    response = as_user(org["admin"]).get(API + "metrics/performance/?" + many + "&x=1")
    assert response.status_code == 400
    assert error(response)["code"] == "too_many_fields"
