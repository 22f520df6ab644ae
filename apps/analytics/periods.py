"""Aggregation periods: half-open `[start, end)` intervals in local time.

Hours start on the hour, days at local midnight, weeks on Monday, months on the 1st.
Boundaries are found on the local calendar but kept in UTC: Python adds and compares
two datetimes of the same zone on the wall clock, which is wrong across a
daylight-saving change. So days here are 23 or 25 hours long, as metrics.md requires.
"""

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from apps.analytics.models import AggregationPeriod

UTC = dt.UTC
# The kind of a Period that is any chosen window rather than an aggregation period.
CUSTOM = "custom"


def local_zone() -> ZoneInfo:
    """Return the organisation's time zone (settings.TIME_ZONE, read at call time)."""
    return timezone.get_default_timezone()


def local_midnight(day: dt.date) -> dt.datetime:
    """Return the instant (in UTC) at which local `day` starts."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_zone()).astimezone(UTC)


def local_day_end(day: dt.date) -> dt.datetime:
    """Return the instant (in UTC) at which local `day` ends: the next midnight."""
    return local_midnight(day + dt.timedelta(days=1))


def days_filter(field: str, first=None, last=None) -> Q:
    """Return a filter for instants within local days first..last, both included."""
    condition = Q()
    if first is not None:
        condition &= Q(**{f"{field}__gte": local_midnight(first)})
    if last is not None:
        condition &= Q(**{f"{field}__lt": local_day_end(last)})
    return condition


def as_instant(value: dt.date | dt.datetime, name: str) -> dt.datetime:
    """Accept an aware datetime, a naive one (local time) or a date (local midnight)."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        return local_midnight(value)
    raise TypeError(f"{name} must be a date or datetime, not {type(value).__name__}")


def local_day(value: dt.date | dt.datetime) -> dt.date:
    """Return the local day of a date (itself) or of a datetime (naive: local time)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(as_instant(value, "value"), local_zone()).date()
    return value


def is_future_day(value: dt.date | dt.datetime, today: dt.date | None = None) -> bool:
    """Tell whether the local day of `value` is after today (nothing happened yet)."""
    return local_day(value) > (today or timezone.localdate(timezone=local_zone()))


# ASCII digits only (`\d` would take any script's), in the extended ISO 8601 forms
# people type: the calendar date, then optionally a time with an optional offset.
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}"
    r"(:[0-9]{2}([.,][0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)


def parse_day_or_instant(raw: str) -> dt.date | dt.datetime:
    """Read `YYYY-MM-DD` as a local day and an ISO datetime as an aware instant.

    A datetime without an offset is local time (settings.TIME_ZONE); one with an
    offset or `Z` keeps it. Anything else, an impossible date such as 2026-02-30
    included, raises ValueError saying what was expected.
    """
    try:
        if _DAY.fullmatch(raw):
            return dt.date.fromisoformat(raw)
        if _INSTANT.fullmatch(raw):
            moment = dt.datetime.fromisoformat(raw)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, local_zone())
            return moment
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a real date or time: {exc}.") from None
    raise ValueError(
        "expected a date like 2026-11-27 or an ISO datetime like 2026-11-27T10:30, "
        f"not {raw!r}."
    )


@dataclass(frozen=True, order=True)
class Period:
    """One aggregation period of a kind, `[start, end)`, both in UTC."""

    start: dt.datetime
    end: dt.datetime
    kind: str

    @property
    def label(self) -> str:
        """Return a short human label: `2026-11-27`, `2026-W48`, `2026-11`..."""
        start = timezone.localtime(self.start, local_zone())
        if self.kind == AggregationPeriod.HOURLY:
            return start.strftime("%Y-%m-%d %H:00")
        if self.kind == AggregationPeriod.WEEKLY:
            year, week, _ = start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == AggregationPeriod.MONTHLY:
            return start.strftime("%Y-%m")
        return start.strftime("%Y-%m-%d")

    def previous(self) -> "Period":
        """Return the period of the same kind just before this one.

        A "custom" period is followed back by `previous_window`: as many local days
        before, ending where this one starts.
        """
        if self.kind == CUSTOM:
            return Period(*previous_window(self.start, self.end), CUSTOM)
        return period_containing(self.kind, self.start - dt.timedelta(microseconds=1))

    def next(self) -> "Period":
        """Return the period of the same kind just after this one."""
        return period_containing(self.kind, self.end)

    def contains(self, moment: dt.datetime) -> bool:
        """Tell whether `moment` falls in `[start, end)`."""
        return self.start <= moment < self.end


def period_containing(kind: str, moment: dt.datetime) -> Period:
    """Return the period of `kind` that contains the aware instant `moment`."""
    if timezone.is_naive(moment):
        raise ValueError("period_containing() needs an aware datetime")
    local = timezone.localtime(moment, local_zone())
    if kind == AggregationPeriod.HOURLY:
        # Floor in UTC: an hour is an hour even on the night the clocks change
        # (zones with a half-hour offset floor on their own local hour).
        offset = local.utcoffset()
        shifted = (moment.astimezone(UTC) + offset).replace(
            minute=0, second=0, microsecond=0
        )
        start = shifted - offset
        return Period(start, start + dt.timedelta(hours=1), kind)
    day = local.date()
    if kind == AggregationPeriod.DAILY:
        first, last = day, day + dt.timedelta(days=1)
    elif kind == AggregationPeriod.WEEKLY:
        first = day - dt.timedelta(days=day.weekday())
        last = first + dt.timedelta(days=7)
    elif kind == AggregationPeriod.MONTHLY:
        first = day.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"unknown aggregation period {kind!r}")
    return Period(local_midnight(first), local_midnight(last), kind)


def periods_between(kind: str, start: dt.datetime, end: dt.datetime) -> list[Period]:
    """Return every period of `kind` that overlaps `[start, end]`, oldest first."""
    periods = []
    current = period_containing(kind, start)
    while current.start <= end:
        periods.append(current)
        current = current.next()
    return periods


def last_complete_period(kind: str, now: dt.datetime | None = None) -> Period:
    """Return the latest period of `kind` that has ended (yesterday, last hour...)."""
    return period_containing(kind, now or timezone.now()).previous()


def periods_on_day(kind: str, day: dt.date) -> list[Period]:
    """Return the periods of `kind` that overlap local `day` (24 hours, or 1 period)."""
    start = local_midnight(day)
    end = local_midnight(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)
    return periods_between(kind, start, end)


def shift_local_days(moment: dt.datetime, days: int) -> dt.datetime:
    """Return the instant `days` local days after `moment` (before, if negative).

    The local time of day is kept, so across a daylight-saving change the result is
    23 or 25 hours per day away. A time the clocks skip (02:30 on the spring-forward
    night) comes out an hour later; a time they repeat reads as its first occurrence.
    """
    if timezone.is_naive(moment):
        raise ValueError("shift_local_days() needs an aware datetime")
    if days == 0:
        # Datetime arithmetic drops `fold`: the repeated hour's second half would
        # come back as its first.
        return moment.astimezone(UTC)
    zone = local_zone()
    wall = timezone.localtime(moment, zone).replace(tzinfo=None)
    return (wall + dt.timedelta(days=days)).replace(tzinfo=zone).astimezone(UTC)


def previous_window(
    start: dt.datetime, end: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Return the window just before `[start, end)`: `(previous_start, start)`, in UTC.

    Whole days are counted on the local calendar, as metrics.md asks: a window of N
    local days (from midnight or from any time of day, e.g. "the last 7 days ending
    now") is preceded by the N local days before it, starting at the same local time
    of day, never by `start - (end - start)` in absolute time, which is an hour off
    when a daylight-saving change lies in one window and not the other. What is left
    over, less than a day, is taken back in absolute time, as hours are everywhere in
    this module: on the night the clocks go back, the hour 02:00-02:00 is preceded
    by one hour, where its wall-clock length would be nothing.
    """
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("previous_window() needs aware datetimes")
    if start >= end:
        raise ValueError("previous_window() needs start before end")
    zone = local_zone()
    wall_length = timezone.localtime(end, zone).replace(
        tzinfo=None
    ) - timezone.localtime(start, zone).replace(tzinfo=None)
    # The wall clock gives the day count; a start or end in a skipped or repeated
    # hour can put it one off, which the comparisons in absolute time settle.
    days = max(wall_length.days, 0)
    while days > 0 and shift_local_days(start, days) > end:
        days -= 1
    while shift_local_days(start, days + 1) <= end:
        days += 1
    rest = end - shift_local_days(start, days)
    return shift_local_days(start, -days) - rest, start.astimezone(UTC)
