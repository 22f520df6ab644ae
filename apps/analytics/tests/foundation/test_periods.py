import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.analytics.models import AggregationPeriod as P
from apps.analytics.periods import (
    Period,
    as_instant,
    is_future_day,
    last_complete_period,
    parse_day_or_instant,
    period_containing,
    periods_between,
    periods_on_day,
    previous_window,
    shift_local_days,
)
from apps.analytics.tests.conftest import local
from apps.core.testing import TEST_TIME_ZONE

HOUR = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)


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


@pytest.mark.parametrize(
    ("window", "previous"),
    [
        # The week after the autumn change: the week before holds the 25-hour day.
        (("2026-10-26", "2026-11-02"), ("2026-10-19", "2026-10-26")),
        # Seven days holding the autumn change (169 hours), then the spring one.
        (("2026-10-25", "2026-11-01"), ("2026-10-18", "2026-10-25")),
        (("2026-03-30", "2026-04-06"), ("2026-03-23", "2026-03-30")),
        (("2026-03-29", "2026-04-05"), ("2026-03-22", "2026-03-29")),
        # One day after each change: the day before is 25 or 23 hours long.
        (("2026-10-26", "2026-10-27"), ("2026-10-25", "2026-10-26")),
        (("2026-03-30", "2026-03-31"), ("2026-03-29", "2026-03-30")),
        # A month of local days.
        (("2026-10-15", "2026-11-14"), ("2026-09-15", "2026-10-15")),
    ],
)
def test_previous_window_of_local_days_is_as_many_local_days_before(window, previous):
    start, end = (local(day) for day in window)
    assert previous_window(start, end) == tuple(local(day) for day in previous)


def test_previous_window_of_the_last_days_ending_now_keeps_the_time_of_day():
    # "The last 7 days" at 14:15, across each change: 7 days at 14:15 before it.
    assert previous_window(
        local("2026-10-22", 14, 15), local("2026-10-29", 14, 15)
    ) == (local("2026-10-15", 14, 15), local("2026-10-22", 14, 15))
    assert previous_window(local("2026-04-01", 9), local("2026-04-08", 9)) == (
        local("2026-03-25", 9),
        local("2026-04-01", 9),
    )


def test_previous_window_results_are_in_utc_and_end_where_the_window_starts():
    start, end = previous_window(local("2026-11-09"), local("2026-11-16"))
    assert start.tzinfo is end.tzinfo is dt.UTC
    assert end == local("2026-11-09")


@pytest.mark.parametrize(
    ("window", "previous"),
    [
        (
            (("2026-11-10", 13), ("2026-11-10", 14)),
            (("2026-11-10", 12), ("2026-11-10", 13)),
        ),
        # Spring forward: 01:00 to 03:00 is one hour, preceded by 00:00-01:00.
        (
            (("2026-03-29", 1), ("2026-03-29", 3)),
            (("2026-03-29", 0), ("2026-03-29", 1)),
        ),
        (
            (("2026-03-29", 3), ("2026-03-29", 4)),
            (("2026-03-29", 1), ("2026-03-29", 3)),
        ),
        # Less than a day is measured in hours, not on the wall clock: 00:00-05:00
        # on the spring-forward day is four hours, 00:00-12:00 in autumn thirteen.
        (
            (("2026-03-29", 0), ("2026-03-29", 5)),
            (("2026-03-28", 20), ("2026-03-29", 0)),
        ),
        (
            (("2026-10-25", 0), ("2026-10-25", 12)),
            (("2026-10-24", 11), ("2026-10-25", 0)),
        ),
        # A day and two hours: the local day before, then two hours more.
        (
            (("2026-10-24", 22), ("2026-10-26", 0)),
            (("2026-10-23", 20), ("2026-10-24", 22)),
        ),
    ],
)
def test_previous_window_takes_hours_left_over_from_whole_days_in_hours(
    window, previous
):
    (day, hour), (end_day, end_hour) = window
    expected = tuple(local(d, h) for d, h in previous)
    assert previous_window(local(day, hour), local(end_day, end_hour)) == expected


def test_previous_window_of_the_repeated_hour_on_fall_back_night():
    # In UTC: Python never finds a time of the repeated hour equal to one of another
    # zone (PEP 495), so the local times are converted before comparing.
    first = local("2026-10-25", 2, fold=0).astimezone(dt.UTC)  # summer time
    second = local("2026-10-25", 2, fold=1).astimezone(dt.UTC)  # again, winter time
    # The second 02:00-03:00 follows the first, which follows 01:00-02:00, although
    # on the wall clock the first one is 0 hours long.
    assert previous_window(second, local("2026-10-25", 3)) == (first, second)
    assert previous_window(first, second) == (local("2026-10-25", 1), first)


@pytest.mark.parametrize("kind", [P.HOURLY, P.DAILY, P.WEEKLY])
@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])
def test_previous_window_agrees_with_the_period_before(kind, day):
    around = periods_between(kind, local(day) - 26 * HOUR, local(day) + 50 * HOUR)
    for period in around:
        previous = period.previous()
        assert previous_window(period.start, period.end) == (
            previous.start,
            previous.end,
        )


def test_previous_of_a_custom_period_is_the_previous_window():
    custom = Period(local("2026-10-26"), local("2026-11-02"), "custom")
    assert custom.previous() == Period(
        local("2026-10-19"), local("2026-10-26"), "custom"
    )


def test_previous_window_refuses_naive_and_empty_windows():
    with pytest.raises(ValueError, match="aware"):
        previous_window(dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 2))
    with pytest.raises(ValueError, match="start before end"):
        previous_window(local("2026-11-02"), local("2026-11-02"))


def test_shift_local_days_keeps_the_local_time_of_day():
    assert shift_local_days(local("2026-10-24", 12), 1) == local("2026-10-25", 12)
    back = shift_local_days(local("2026-10-26", 12), -2)
    assert (back, local("2026-10-26", 12) - back) == (
        local("2026-10-24", 12),
        49 * HOUR,
    )
    # 02:30 does not exist on 29 March: the clocks have moved on to 03:30.
    assert shift_local_days(local("2026-03-28", 2, 30), 1) == local("2026-03-29", 3, 30)
    second = local("2026-10-25", 2, 30, fold=1).astimezone(dt.UTC)
    assert shift_local_days(second, 0) == second


def test_previous_window_of_random_windows_is_as_many_local_days_at_the_same_time():
    zone = ZoneInfo(TEST_TIME_ZONE)
    rng = random.Random(20261025)
    across_a_change = 0
    for _ in range(500):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
        time = dt.time(rng.randrange(24), rng.choice([0, 15, 30, 59]))
        days = rng.randint(1, 45)
        start = dt.datetime.combine(day, time, tzinfo=zone)
        end = dt.datetime.combine(day + dt.timedelta(days=days), time, tzinfo=zone)
        if not (exists(start) and exists(end)):
            continue
        across_a_change += start.utcoffset() != end.utcoffset()

        previous_start, previous_end = previous_window(start, end)

        assert previous_end == start.astimezone(dt.UTC)  # PEP 495: compare in UTC
        before = previous_start.astimezone(zone)
        assert before.date() == day - dt.timedelta(days=days)
        wanted = dt.datetime.combine(before.date(), time, tzinfo=zone)
        if exists(wanted):
            assert before.time() == time
        else:  # the clocks skip that time that day: it comes out an hour later
            assert before.replace(tzinfo=None) - wanted.replace(tzinfo=None) == HOUR
    assert across_a_change > 50


def exists(moment: dt.datetime) -> bool:
    """Tell whether a local wall time happens (not in the spring-forward gap)."""
    back = moment.astimezone(dt.UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)


@pytest.mark.parametrize(
    ("raw", "day"),
    [("2026-11-27", dt.date(2026, 11, 27)), ("2028-02-29", dt.date(2028, 2, 29))],
)
def test_a_bare_date_is_read_as_a_local_day(raw, day):
    assert parse_day_or_instant(raw) == day
    assert type(parse_day_or_instant(raw)) is dt.date


@pytest.mark.parametrize(
    ("raw", "moment"),
    [
        # Without an offset: local time, summer or winter.
        ("2026-11-27T10:30", local("2026-11-27", 10, 30)),
        ("2026-07-01 10:30", local("2026-07-01", 10, 30)),
        ("2026-11-27T10:30:15.5", local("2026-11-27", 10, 30) + 15.5 * SECOND),
        # With one: that instant, whatever the local zone.
        ("2026-11-27T09:30Z", local("2026-11-27", 10, 30)),
        ("2026-11-27T10:30:00+01:00", local("2026-11-27", 10, 30)),
        ("2026-11-27T05:30-0400", local("2026-11-27", 10, 30)),
        ("2026-07-01T08:30:00+00:00", local("2026-07-01", 10, 30)),
    ],
)
def test_an_iso_datetime_is_read_as_an_aware_instant(raw, moment):
    parsed = parse_day_or_instant(raw)
    assert timezone.is_aware(parsed)
    assert parsed == moment


def test_a_datetime_without_offset_takes_the_local_offset_of_its_date():
    assert parse_day_or_instant("2026-07-01T10:30").utcoffset() == 2 * HOUR
    assert parse_day_or_instant("2026-11-27T10:30").utcoffset() == HOUR


@pytest.mark.parametrize(
    "raw",
    [
        "2026-02-30",
        "2026-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-11-27T24:00",
        "2026-11-27T10:61",
        "2026-02-30T10:00",
    ],
)
def test_an_impossible_date_or_time_is_refused_saying_why(raw):
    with pytest.raises(ValueError, match=rf"^'{raw}' is not a real date or time: "):
        parse_day_or_instant(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "yesterday",
        "27/11/2026",
        "2026-11-27T10",
        "20261127",
        "2026-W48-5",
        "2026-1-5",
        " 2026-11-27",
        "2026-11-27\n",
        "\uff12\uff10\uff12\uff16-11-27",  # full-width digits
        "2026-11-27T10:30 Europe/Amsterdam",
    ],
)
def test_anything_else_is_refused_with_what_was_expected(raw):
    with pytest.raises(ValueError) as refused:
        parse_day_or_instant(raw)
    assert str(refused.value) == (
        "expected a date like 2026-11-27 or an ISO datetime like 2026-11-27T10:30, "
        f"not {raw!r}."
    )


def test_as_instant_reads_dates_as_local_midnight_and_naive_times_as_local():
    assert as_instant(dt.date(2026, 10, 25), "start") == local("2026-10-25")
    assert as_instant(dt.datetime(2026, 10, 25, 12), "end") == local("2026-10-25", 12)
    aware = local("2026-10-25", 12).astimezone(dt.UTC)
    assert as_instant(aware, "end") is aware
    with pytest.raises(TypeError, match="start must be a date or datetime, not str"):
        as_instant("2026-10-25", "start")


def test_is_future_day_compares_local_days():
    today = dt.date(2026, 11, 27)
    assert not is_future_day(today, today)
    assert is_future_day(dt.date(2026, 11, 28), today)
    # 23:30 UTC on the 27th is already the 28th in Amsterdam.
    late = dt.datetime(2026, 11, 27, 23, 30, tzinfo=dt.UTC)
    assert is_future_day(late, today)
    assert not is_future_day(dt.datetime(2026, 11, 27, 23, 30), today)
    assert not is_future_day(timezone.now())
