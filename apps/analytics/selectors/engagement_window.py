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
    EngagementType,
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


def _stored_days(windows: list[list[dt.datetime]], user_ids) -> tuple[list, list]:
    """Return, per window (its whole day starts), its final days, users and tally.

    The organisation's daily engagement rows say which days are final (the row
    exists and is not partial). For everyone, they also hold the day's totals,
    so only the ids of the users with a row are read besides (one more query,
    no per-user metadata: its size would grow with the users); for some users,
    their rows are read and added up in the same query.
    """
    starts = sorted({day for days in windows for day in days})
    if not starts:
        return [[] for _ in windows], [(set(), _empty()) for _ in windows]
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
    finals = [sorted(day for day in days if day in final) for days in windows]
    figures = []
    for days in finals:
        tally, active = _empty(), set()
        for start in days:
            for user_id, metadata in by_day[start]:
                active.add(user_id)
                _add_day(tally, metadata)
        figures.append((active, tally))
    if user_ids is None and any(finals):
        # One query for every window: a user is active in a window when they
        # have a row on one of its final days.
        found = (
            rows.filter(users, period_start__in=sorted(final))
            .order_by()
            .values("user_id")
            .annotate(
                **{
                    f"w{i}": Count("pk", filter=Q(period_start__in=days))
                    for i, days in enumerate(finals)
                    if days
                }
            )
        )
        for i, days in enumerate(finals):
            if days:
                active = {r["user_id"] for r in found if r[f"w{i}"]}
                figures[i] = (active, figures[i][1])
    return finals, figures


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
    return windows_engagement([(start, end)], user_ids)[0]


def windows_engagement(windows: list, user_ids=None) -> list:
    """Return the scope's engagement MetricResult over each [start, end).

    The stored days of every window are read in one query, then each window's
    raw rest in one query.
    """
    finals, figures = _stored_days([whole_days(s, e) for s, e in windows], user_ids)
    rests = [outside(s, e, days) for (s, e), days in zip(windows, finals, strict=True)]
    answer = []
    raws = _raw_tallies(rests, user_ids)
    for (start, end), (active, tally), raw in zip(windows, figures, raws, strict=True):
        for user_id, counted in raw.items():
            active.add(user_id)
            for key in ("events", "sessions", "duration"):
                tally[key] += counted[key] or 0
            for kind, n in counted["by_type"].items():
                tally["by_type"][kind] += n
        answer.append(engagement_result(start, end, ORG, len(active), tally))
    return answer


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


def _raw_tallies(rests: list[list], user_ids) -> list[dict]:
    """Count raw events in each window's rest ranges: [{user: tally}].

    One query per window with a rest, each type a filtered count of the same
    aggregate rather than a second GROUP BY user and type over the same rows
    (at 5M events a day is 83k rows). Windows are not merged into one query of
    filtered aggregates: measured, every row then pays every window's filter.
    Should a user's types not add up to their events (a type stored before it
    left the choices), the types are counted by a second query, so the figures
    stay exact.
    """
    per_window: list[dict] = [{} for _ in rests]
    everyone = scope_filter(
        UserEngagementMetric.objects.order_by(), "user_id", user_ids
    )
    kinds = list(EngagementType.values)
    counts = {
        "events": Count("id"),
        "sessions": Count("session_id", distinct=True),
        "duration": Sum("duration_seconds"),
        **{
            f"t{k}": Count("id", filter=Q(engagement_type=kind))
            for k, kind in enumerate(kinds)
        },
    }
    for i, parts in enumerate(rests):
        if not parts:
            continue
        events = everyone.filter(in_ranges("timestamp", parts))
        complete = True
        for row in events.values("user_id").annotate(**counts):
            by_type = defaultdict(int)
            for k, kind in enumerate(kinds):
                if row[f"t{k}"]:
                    by_type[kind] = row[f"t{k}"]
            complete = complete and sum(by_type.values()) == row["events"]
            per_window[i][row["user_id"]] = {
                "events": row["events"],
                "sessions": row["sessions"],
                "duration": row["duration"],
                "by_type": by_type,
            }
        if not complete:
            _count_types(events, per_window[i])
    return per_window


def _count_types(events, tallies: dict) -> None:
    """Count each user's events per type, whatever the type (a second query)."""
    for tally in tallies.values():
        tally["by_type"] = defaultdict(int)
    for row in events.values("user_id", "engagement_type").annotate(n=Count("id")):
        tallies[row["user_id"]]["by_type"][row["engagement_type"]] = row["n"]
