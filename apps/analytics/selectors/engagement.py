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
    groups = {
        row.pop("user_id"): row
        for row in in_period.values("user_id").annotate(
            events=Count("id"),
            sessions=Count("session_id", distinct=True),
            duration=Sum("duration_seconds"),
        )
    }
    by_type: dict = {ORG: {}}
    for row in in_period.values("user_id", "engagement_type").annotate(n=Count("id")):
        for key in (row["user_id"], ORG):
            bucket = by_type.setdefault(key, {})
            bucket[row["engagement_type"]] = (
                bucket.get(row["engagement_type"], 0) + row["n"]
            )

    active = {user_id: 1 for user_id in groups}
    totals = dict.fromkeys(COUNTS, 0)
    for row in groups.values():
        for key in COUNTS:
            totals[key] += row[key] or 0
    groups[ORG] = totals
    active[ORG] = len(active)

    day = local_day_of(start, end)
    windows = _trailing_active_users(events, day, end) if day else None
    results = {}
    for user_id, row in groups.items():
        breakdown = {
            "events": row["events"],
            "events_by_type": dict(sorted(by_type.get(user_id, {}).items())),
            "sessions": row["sessions"],
            # A session lasts as long as its events' durations add up to.
            "mean_session_seconds": rounded(
                ratio(row["duration"] or 0, row["sessions"]), 1
            ),
            "events_per_active_user": rounded(ratio(row["events"], active[user_id]), 2),
        }
        if windows and user_id is ORG:
            breakdown.update(windows)
        results[user_id] = MetricResult(
            metric_type=MetricType.USER_ENGAGEMENT,
            period_start=start,
            period_end=end,
            user_id=user_id,
            value=active[user_id],
            sample_size=row["events"],
            breakdown=breakdown,
        )
    return results
