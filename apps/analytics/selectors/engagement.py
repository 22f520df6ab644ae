"""User engagement: distinct active users, with events, sessions and stickiness."""

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.analytics.models import MetricType, UserEngagementMetric
from apps.analytics.periods import local_midnight, local_zone
from apps.analytics.selectors.base import (
    ORG,
    MetricResult,
    ratio,
    rounded,
    scope_filter,
)

COUNTS = ["events", "sessions", "duration"]


def local_day_of(start: dt.datetime, end: dt.datetime) -> dt.date | None:
    """Return the local date when [start, end) is exactly one local day, else None."""
    day = timezone.localtime(start, local_zone()).date()
    is_day = start == local_midnight(day) and end == local_midnight(
        day + dt.timedelta(days=1)
    )
    return day if is_day else None


def _trailing_active_users(events, day: dt.date, end: dt.datetime) -> dict:
    """Return DAU, WAU and MAU: distinct users on the day, last 7 and last 30 days."""
    windows = {
        "dau": local_midnight(day),
        "wau": local_midnight(day - dt.timedelta(days=6)),
        "mau": local_midnight(day - dt.timedelta(days=29)),
    }
    counts = events.filter(timestamp__gte=windows["mau"], timestamp__lt=end).aggregate(
        **{
            name: Count("user_id", distinct=True, filter=Q(timestamp__gte=since))
            for name, since in windows.items()
        }
    )
    counts["stickiness"] = rounded(ratio(counts["dau"], counts["mau"]))
    return counts


def user_engagement(start, end, user_ids=None) -> dict:
    """Return engagement per user and for the scope; the scope's row always exists."""
    events = scope_filter(UserEngagementMetric.objects.order_by(), "user_id", user_ids)
    in_period = events.filter(timestamp__gte=start, timestamp__lt=end)
    per_user = {
        row.pop("user_id"): {**row, "by_type": {}}
        for row in in_period.values("user_id").annotate(
            events=Count("id"),
            sessions=Count("session_id", distinct=True),
            duration=Sum("duration_seconds"),
        )
    }
    for row in in_period.values("user_id", "engagement_type").annotate(n=Count("id")):
        per_user[row["user_id"]]["by_type"][row["engagement_type"]] = row["n"]
    day = local_day_of(start, end)
    windows = _trailing_active_users(events, day, end) if day else None
    return engagement_results(start, end, per_user, windows)


def engagement_results(start, end, per_user: dict, windows: dict | None) -> dict:
    """Build the engagement results from per-user tallies.

    `per_user` maps a user id to `events`, `sessions` (distinct), `duration`
    (seconds) and `by_type`; the real-time fold builds the same tallies from its
    minute buckets, so both paths give identical rows.
    """
    totals = {key: 0 for key in COUNTS}
    org_by_type: dict = {}
    for tally in per_user.values():
        for key in COUNTS:
            totals[key] += tally[key] or 0
        for kind, n in tally["by_type"].items():
            org_by_type[kind] = org_by_type.get(kind, 0) + n
    scopes = {
        **{user_id: (1, tally) for user_id, tally in per_user.items()},
        ORG: (len(per_user), {**totals, "by_type": org_by_type}),
    }
    return {
        user_id: engagement_result(
            start, end, user_id, active, tally, windows if user_id is ORG else None
        )
        for user_id, (active, tally) in scopes.items()
    }


def engagement_result(start, end, user_id, active: int, tally: dict, windows=None):
    """Build one scope's result from its active users and its summed tally."""
    breakdown = {
        "events": tally["events"],
        "events_by_type": dict(sorted(tally["by_type"].items())),
        "sessions": tally["sessions"],
        # A session lasts as long as its events' durations add up to.
        "mean_session_seconds": rounded(
            ratio(tally["duration"] or 0, tally["sessions"]), 1
        ),
        "events_per_active_user": rounded(ratio(tally["events"], active), 2),
    }
    if windows:
        breakdown.update(windows)
    return MetricResult(
        metric_type=MetricType.USER_ENGAGEMENT,
        period_start=start,
        period_end=end,
        user_id=user_id,
        value=active,
        sample_size=tally["events"],
        breakdown=breakdown,
    )
