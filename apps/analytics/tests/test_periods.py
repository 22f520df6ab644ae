import datetime as dt

import pytest

from apps.analytics.models import AggregationPeriod as P
from apps.analytics.periods import (
    last_complete_period,
    period_containing,
    periods_between,
    periods_on_day,
)
from apps.analytics.tests.conftest import local

HOUR = dt.timedelta(hours=1)


def test_daily_period_starts_at_local_midnight_and_is_half_open():
    period = period_containing(P.DAILY, local("2026-11-10", 13, 5))
    assert (period.start, period.end) == (local("2026-11-10"), local("2026-11-11"))
    assert period.contains(local("2026-11-10"))
    assert not period.contains(local("2026-11-11"))
    assert period_containing(P.DAILY, local("2026-11-11")).start == local("2026-11-11")


def test_spring_forward_day_is_23_hours_and_fall_back_day_25():
    spring = period_containing(P.DAILY, local("2026-03-29", 12))
    autumn = period_containing(P.DAILY, local("2026-10-25", 12))
    assert spring.end - spring.start == 23 * HOUR
    assert autumn.end - autumn.start == 25 * HOUR
    assert len(periods_on_day(P.HOURLY, dt.date(2026, 3, 29))) == 23
    assert len(periods_on_day(P.HOURLY, dt.date(2026, 10, 25))) == 25


def test_the_repeated_hour_of_fall_back_night_is_two_distinct_periods():
    first = period_containing(P.HOURLY, local("2026-10-25", 2, 30, fold=0))
    second = period_containing(P.HOURLY, local("2026-10-25", 2, 30, fold=1))
    assert second.start - first.start == HOUR
    assert first.end == second.start
    assert first.next() == second


def test_weekly_periods_start_on_monday_and_monthly_on_the_first():
    week = period_containing(P.WEEKLY, local("2026-11-12", 9))  # a Thursday
    assert (week.start, week.end) == (local("2026-11-09"), local("2026-11-16"))
    assert week.label == "2026-W46"
    december = period_containing(P.MONTHLY, local("2026-12-31", 23, 59))
    assert (december.start, december.end) == (local("2026-12-01"), local("2027-01-01"))
    assert december.previous().start == local("2026-11-01")


def test_periods_between_cover_the_range_and_last_complete_is_the_one_before_now():
    periods = periods_between(P.DAILY, local("2026-11-01", 12), local("2026-11-03", 1))
    assert [p.label for p in periods] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert (
        last_complete_period(P.DAILY, local("2026-11-03", 0, 1)).label == "2026-11-02"
    )
    assert last_complete_period(P.HOURLY, local("2026-11-03", 0, 1)).label == (
        "2026-11-02 23:00"
    )


def test_naive_datetimes_and_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="aware"):
        period_containing(P.DAILY, dt.datetime(2026, 11, 1))
    with pytest.raises(ValueError, match="unknown aggregation period"):
        period_containing("yearly", local("2026-11-01"))
