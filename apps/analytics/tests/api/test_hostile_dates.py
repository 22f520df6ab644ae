"""Dates out of bounds in filters, exports, report windows and event timestamps.

Each was a 500 (the next midnight of 9999-12-31 overflows) or stored junk (events
of year 1 and 1970, reports for year 1). The bounds: apps/analytics/limits.py.
"""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.analytics.limits import EARLIEST_DATE, MAX_EVENT_AGE, MAX_FUTURE_DAYS
from apps.analytics.models import Report, UserEngagementMetric

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


def latest_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=MAX_FUTURE_DAYS)


# --- Dates outside EARLIEST_DATE .. today + MAX_FUTURE_DAYS ------------------------

LIST_PATHS = ["metrics/performance/", "metrics/engagement/", "metrics/system-health/"]


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_list_filters_refuse_dates_out_of_bounds(org, path, field, day):
    response = as_user(org["admin"]).get(API + path, {field: day})
    assert response.status_code == 400
    assert error(response)["fields"] == {
        field: [f"{field} must be between {EARLIEST_DATE} and {latest_date()}."]
    }


@pytest.mark.parametrize(
    "params",
    [
        {"end_date": "9999-12-31"},
        {"start_date": "9999-12-30", "end_date": "9999-12-31"},
        {"start_date": "0001-01-01", "end_date": "0001-01-02"},
    ],
)
def test_export_refuses_dates_out_of_bounds(org, params):
    response = as_user(org["admin"]).get(
        API + "export/", {"format": "csv", "dataset": "engagement", **params}
    )
    assert response.status_code == 400
    assert sorted(error(response)["fields"]) == sorted(params)


def test_the_bounds_themselves_are_accepted(org):
    response = as_user(org["admin"]).get(
        API + "metrics/engagement/",
        {"start_date": str(EARLIEST_DATE), "end_date": str(EARLIEST_DATE)},
    )
    assert response.status_code == 200
    response = as_user(org["admin"]).get(
        API + "metrics/engagement/", {"end_date": str(latest_date())}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"report_type": "daily_summary", "date": "0001-01-01"}, ["date"]),
        ({"report_type": "weekly_performance", "date": "0001-01-01"}, ["date"]),
        ({"report_type": "monthly_analytics", "date": "1999-12-31"}, ["date"]),
        ({"report_type": "daily_summary", "date": "9999-12-31"}, ["date"]),
        (
            {"report_type": "user_activity", "user_id": "member", "date": "0001-01-01"},
            ["date"],
        ),
        (
            {
                "report_type": "custom",
                "start_date": "9999-12-01",
                "end_date": "9999-12-31",
            },
            ["end_date", "start_date"],
        ),
        (
            {
                "report_type": "custom",
                "start_date": "0001-01-01",
                "end_date": "0001-01-31",
            },
            ["end_date", "start_date"],
        ),
        (
            {
                "report_type": "user_activity",
                "user_id": "member",
                "start_date": "2026-11-01",
                "end_date": "9999-12-31",
            },
            ["end_date"],
        ),
    ],
)
def test_report_windows_out_of_bounds_are_refused_and_nothing_is_stored(
    org, body, fields
):
    if body.get("user_id") == "member":
        body = {**body, "user_id": org["member"].pk}
    response = as_user(org["admin"]).post(
        API + "reports/generate/", body, format="json"
    )
    assert response.status_code == 400
    assert sorted(error(response)["fields"]) == fields
    assert not Report.objects.exists()


# --- Event timestamps: no older than MAX_EVENT_AGE ---------------------------------


@pytest.mark.parametrize(
    "timestamp",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00", "1970-01-01T00:00:00Z"],
)
def test_events_dated_long_ago_are_refused_naming_the_timestamp(org, timestamp):
    response = as_user(org["member"]).post(
        API + "track-engagement/", event(timestamp=timestamp), format="json"
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "timestamp": [
            f"timestamp must not be more than {MAX_EVENT_AGE.days} days in the past."
        ]
    }
    assert not UserEngagementMetric.objects.exists()


def test_an_event_just_within_the_age_limit_is_stored(org):
    moment = timezone.now() - MAX_EVENT_AGE + dt.timedelta(minutes=1)
    response = as_user(org["member"]).post(
        API + "track-engagement/", event(timestamp=moment.isoformat()), format="json"
    )
    assert response.status_code == 201
    assert UserEngagementMetric.objects.get().timestamp == moment


def test_an_offset_postgresql_does_not_know_is_stored_as_its_instant(org):
    # +23:59 is valid ISO 8601 but beyond PostgreSQL's offsets: it was a 500 there.
    moment = (timezone.now() - dt.timedelta(days=1)).replace(microsecond=0)
    offset = dt.timezone(dt.timedelta(hours=23, minutes=59))
    response = as_user(org["member"]).post(
        API + "track-engagement/",
        event(timestamp=moment.astimezone(offset).isoformat()),
        format="json",
    )
    assert response.status_code == 201
    assert UserEngagementMetric.objects.get().timestamp == moment
