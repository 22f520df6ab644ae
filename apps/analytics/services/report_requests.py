"""What a report request means: its window, whose data, and what is wrong with it.

`resolve_request` turns the parameters any edge sends (the API, the command, the
schedule, the spec's Python methods) into one answer, or raises BadReportRequest /
OutOfScope naming the field, so every edge reports bad input the same way.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.scope import Scope
from apps.analytics.limits import day_bounds_error, day_range_error
from apps.analytics.models import AggregationPeriod, ReportType
from apps.analytics.periods import (
    as_instant,
    is_future_day,
    last_complete_period,
    local_day,
    local_day_end,
    local_midnight,
    period_containing,
)
from apps.core.errors import InvalidInput

PERIOD_OF = {
    ReportType.DAILY_SUMMARY: AggregationPeriod.DAILY,
    ReportType.WEEKLY_PERFORMANCE: AggregationPeriod.WEEKLY,
    ReportType.MONTHLY_ANALYTICS: AggregationPeriod.MONTHLY,
}
USER_ACTIVITY_DAYS = 30


class BadReportRequest(InvalidInput, ValueError):
    """The request is invalid; `fields` names what is wrong."""

    def __init__(self, fields: dict, message: str | None = None):
        if message is None:  # "field: first message", for Python callers and logs
            name, messages = next(iter(fields.items()))
            message = f"{name}: {messages[0]}"
        super().__init__(fields, message)


class OutOfScope(BadReportRequest, PermissionError):
    """The request names a user the requester may not report on."""


def scope_of(user) -> Scope:
    """Return the requester's scope; no requester means the system (schedules)."""
    return Scope.system() if user is None else Scope.for_viewer(user)


def last_day(end) -> dt.date:
    """Return the last local day of a window ending at `end` (a day: itself)."""
    if isinstance(end, dt.datetime):
        return local_day(as_instant(end, "end") - dt.timedelta(microseconds=1))
    return end


def _days(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return the instants of local days first..last, both included."""
    return local_midnight(first), local_day_end(last)


def _window(report_type, date, start_date, end_date) -> tuple[dt.datetime, dt.datetime]:
    """Return a user activity or custom report's [start, end) from local days."""
    if start_date is None and end_date is None:
        if report_type == ReportType.CUSTOM:
            raise BadReportRequest(
                {"start_date": ["start_date and end_date are required."]}
            )
        last = date or timezone.localdate() - dt.timedelta(days=1)
        return _days(last - dt.timedelta(days=USER_ACTIVITY_DAYS - 1), last)
    if start_date is None or end_date is None:
        missing = "start_date" if start_date is None else "end_date"
        raise BadReportRequest({missing: [f"{missing} is required with the other."]})
    if error := day_range_error(start_date, end_date):
        raise BadReportRequest({"end_date": [error]})
    return _days(start_date, end_date)


def _check_bounds(**dates) -> None:
    """Refuse, all at once, dates outside what any input may name.

    First of all: the window and period arithmetic after it overflows near year 1
    and year 9999, and a report of year 1 is junk even where it does not.
    """
    errors = {
        name: [error]
        for name, value in dates.items()
        if value is not None and (error := day_bounds_error(value, name))
    }
    if errors:
        raise BadReportRequest(errors)


def _subject(scope: Scope, user_id) -> User:
    user = User.objects.filter(pk=getattr(user_id, "pk", user_id)).first()
    if user is None or not scope.includes(user.pk):
        # Someone the requester may not report on reads as no one at all.
        raise OutOfScope(
            {
                "user_id": [
                    f"No user {getattr(user_id, 'pk', user_id)} you may report on."
                ]
            }
        )
    return user


def _narrowed(scope: Scope, users) -> Scope:
    try:
        return scope.narrow(users)
    except PermissionError:
        raise OutOfScope(
            {"user_ids": ["The report names users you may not report on."]}
        ) from None


def period_for(report_type: str, date: dt.date | None = None):
    """Return the period of a type containing local `date`, or the latest complete."""
    kind = PERIOD_OF[report_type]
    if date is None:
        return last_complete_period(kind)
    return period_containing(kind, local_midnight(date) + dt.timedelta(hours=12))


@dataclass(frozen=True)
class ReportRequest:
    """A valid request: the window, whose data, the subject and builder options."""

    start: dt.datetime
    end: dt.datetime
    scope: Scope
    subject: User | None = None
    extra: dict | None = None


def resolve_request(
    report_type: str,
    scope: Scope,
    *,
    date=None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    subject=None,
    users=None,
    metrics=None,
    granularity=None,
    compare_previous: bool = True,
) -> ReportRequest:
    """Validate a request made with `scope`; see ReportingService.request_report."""
    _check_bounds(date=date, start_date=start_date, end_date=end_date)
    date = None if date is None else local_day(date)
    if date is not None and is_future_day(date):
        raise BadReportRequest({"date": ["date must not be in the future."]})
    extra = None
    if report_type == ReportType.USER_ACTIVITY:
        if subject is None:
            raise BadReportRequest(
                {"user_id": ["A user_activity report needs a user."]}
            )
        subject = _subject(scope, subject)
        start, end = _window(report_type, date, start_date, end_date)
        report_scope = _narrowed(scope, [subject])
    elif report_type == ReportType.CUSTOM:
        subject = None  # a custom report's users are `users` (user_ids)
        start, end = _window(report_type, date, start_date, end_date)
        report_scope = scope if not users else _narrowed(scope, users)
        extra = {
            "metrics": list(metrics) if metrics else None,
            "granularity": granularity,
            "compare_previous": bool(compare_previous),
        }
    elif report_type in PERIOD_OF:
        period = period_for(report_type, date)
        start, end = period.start, period.end
        subject = None if subject is None else _subject(scope, subject)
        report_scope = scope if subject is None else _narrowed(scope, [subject])
    else:
        raise BadReportRequest({"report_type": [f"Unknown type {report_type!r}."]})
    return ReportRequest(start, end, report_scope, subject, extra)
