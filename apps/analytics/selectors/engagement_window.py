"""Engagement over a rolling window, from the daily rollups where they are final.

The dashboard's engagement headline covers [now - N local days, now): without
this, every cold dashboard counted every raw event of the window twice (this and
the previous window), so its cost grew with the events table. Here the whole
local days of the window that `collect_analytics` stored as final (the
organisation's daily engagement row exists and is not partial) are read from the
per-user daily rows; only the rest (the partial first day, today, any day never
collected) is counted from raw events, over an index range of the timestamp.

Pooled per user as `user_engagement` pools them: events, duration and events by
type add up exactly; sessions add up per day, so a session that runs past local
midnight counts once on each day it has events (a daily rollup cannot tell it
apart). The total duration of a stored day is its mean session length times its
sessions (the row keeps the mean to 0.1 s).
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.analytics.models import (
    AggregationPeriod,
    MetricType,
    PerformanceMetric,
    UserEngagementMetric,
)
from apps.analytics.periods import local_midnight, local_zone
from apps.analytics.selectors.base import ORG, scope_filter
from apps.analytics.selectors.engagement import engagement_result

ENGAGEMENT = MetricType.USER_ENGAGEMENT


def whole_days(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Return the local midnights of the whole local days inside [start, end)."""
    day = timezone.localtime(start, local_zone()).date()
    if local_midnight(day) < start:
        day += dt.timedelta(days=1)
    starts = []
    while local_midnight(day + dt.timedelta(days=1)) <= end:
        starts.append(local_midnight(day))
        day += dt.timedelta(days=1)
    return starts


def _stored_days(starts: list[dt.datetime], user_ids) -> tuple[list, set, dict]:
    """Return the final day starts among `starts`, their active users and tally.

    The organisation's daily engagement rows say which days are final (the row
    exists and is not partial). For everyone, they also hold the day's totals,
    so only the ids of the users with a row are read besides (one more query,
    no per-user metadata: its size would grow with the users); for some users,
    their rows are read and added up in the same query.
    """
    if not starts:
        return [], set(), _empty()
    rows = PerformanceMetric.objects.filter(
        metric_type=ENGAGEMENT,
        aggregation_period=AggregationPeriod.DAILY,
        period_start__in=starts,
    )
    users = Q(user__isnull=False) if user_ids is None else Q(user_id__in=user_ids)
    mine = Q(user__isnull=True) if user_ids is None else Q(user__isnull=True) | users
    final, by_day = set(), defaultdict(list)
    for start, user_id, metadata in rows.filter(mine).values_list(
        "period_start", "user_id", "metadata"
    ):
        if user_id is None and not metadata.get("partial"):
            final.add(start)
        if (user_id is None) == (user_ids is None):
            by_day[start].append((user_id, metadata))
    tally, active = _empty(), set()
    for start in final:
        for user_id, metadata in by_day[start]:
            active.add(user_id)
            _add_day(tally, metadata)
    if user_ids is None and final:
        active = set(
            rows.filter(users, period_start__in=final)
            .order_by()
            .values_list("user_id", flat=True)
            .distinct()
        )
    return sorted(final), active, tally


def _add_day(tally: dict, metadata: dict) -> None:
    """Add one stored day's figures (a user's or the organisation's) to a tally."""
    sessions = metadata.get("sessions", 0)
    tally["events"] += metadata.get("events", 0)
    tally["sessions"] += sessions
    tally["duration"] += (metadata.get("mean_session_seconds") or 0) * sessions
    for kind, n in metadata.get("events_by_type", {}).items():
        tally["by_type"][kind] += n


def _empty() -> dict:
    return {"events": 0, "sessions": 0, "duration": 0.0, "by_type": defaultdict(int)}


def day_ranges(days: list[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Merge consecutive day starts into [first, last + 1 day) ranges."""
    ranges: list = []
    for day in days:
        following = local_midnight(
            timezone.localtime(day, local_zone()).date() + dt.timedelta(days=1)
        )
        if ranges and ranges[-1][1] == day:
            ranges[-1] = (ranges[-1][0], following)
        else:
            ranges.append((day, following))
    return ranges


def window_engagement(start: dt.datetime, end: dt.datetime, user_ids=None):
    """Return the scope's engagement MetricResult over [start, end)."""
    stored_days, active, tally = _stored_days(whole_days(start, end), user_ids)
    for user_id, raw in _raw_tallies_outside(start, end, stored_days, user_ids).items():
        active.add(user_id)
        for key in ("events", "sessions", "duration"):
            tally[key] += raw[key] or 0
        for kind, n in raw["by_type"].items():
            tally["by_type"][kind] += n
    return engagement_result(start, end, ORG, len(active), tally)


def outside(start, end, stored_days) -> list[tuple[dt.datetime, dt.datetime]]:
    """Return the parts of [start, end) outside the stored days, in order."""
    parts, cursor = [], start
    for first, last in day_ranges(stored_days):
        if cursor < first:
            parts.append((cursor, first))
        cursor = max(cursor, last)
    if cursor < end:
        parts.append((cursor, end))
    return parts


def in_ranges(field: str, parts) -> Q:
    """Match `field` in any of the [first, last) ranges (nothing when none).

    Positive ranges, not the window minus the stored days: the planner then
    scans only these ranges of the timestamp index, not the whole window.
    """
    if not parts:
        return Q(pk__in=[])
    condition = Q()
    for first, last in parts:
        condition |= Q(**{f"{field}__gte": first, f"{field}__lt": last})
    return condition


def _raw_tallies_outside(start, end, stored_days, user_ids) -> dict:
    """Count raw events of [start, end) outside the stored days' ranges."""
    events = scope_filter(UserEngagementMetric.objects.order_by(), "user_id", user_ids)
    events = events.filter(in_ranges("timestamp", outside(start, end, stored_days)))
    per_user = {
        row.pop("user_id"): {**row, "by_type": defaultdict(int)}
        for row in events.values("user_id").annotate(
            events=Count("id"),
            sessions=Count("session_id", distinct=True),
            duration=Sum("duration_seconds"),
        )
    }
    for row in events.values("user_id", "engagement_type").annotate(n=Count("id")):
        per_user[row["user_id"]]["by_type"][row["engagement_type"]] = row["n"]
    return per_user
