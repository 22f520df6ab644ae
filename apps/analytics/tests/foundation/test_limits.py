"""The bounds of date inputs: one rule for filters, exports, reports and --date."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.analytics.limits import (
    EARLIEST_DATE,
    MAX_FUTURE_DAYS,
    day_bounds_error,
    latest_date,
)


def test_latest_date_is_today_in_the_organisation_zone_plus_the_margin(settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: often a day ahead of UTC
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    assert latest_date() == today + dt.timedelta(days=MAX_FUTURE_DAYS)


@pytest.mark.parametrize(
    "value",
    [
        EARLIEST_DATE,
        dt.datetime(2000, 1, 1, 0, 0),
        # Its date as written is in bounds, though in UTC it is the day before.
        dt.datetime(2000, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=14))),
        dt.date(2026, 11, 27),
    ],
)
def test_dates_from_the_earliest_to_the_latest_are_accepted(value):
    assert day_bounds_error(value, "start_date") is None
    assert day_bounds_error(latest_date(), "end_date") is None


@pytest.mark.parametrize(
    "value",
    [
        dt.date(1, 1, 1),
        dt.date(1970, 1, 1),
        EARLIEST_DATE - dt.timedelta(days=1),
        dt.datetime(1999, 12, 31, 23, 59, tzinfo=dt.UTC),
        dt.date(9999, 12, 31),
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-12))),
    ],
)
def test_dates_outside_are_refused_naming_the_input(value):
    assert day_bounds_error(value, "end_date") == (
        f"end_date must be between 2000-01-01 and {latest_date()}."
    )


def test_the_day_after_the_latest_is_refused():
    assert day_bounds_error(latest_date() + dt.timedelta(days=1), "date")
