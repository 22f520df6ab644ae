"""Stored series the insights read: metric rollups, health readings, engagement.

Each function reads a whole family of series in one query and splits it in Python,
so the number of queries never depends on users, teams or points. A point is left
out (a gap, which the detector and the trend accept) when it says nothing: a rate
over fewer than MIN_ANOMALY_DENOMINATOR cases, or a period still in progress.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncHour

from apps.accounts.models import User
from apps.analytics.limits import MIN_ANOMALY_DENOMINATOR, MIN_SERIES_POINTS
from apps.analytics.models import (
    GOOD_DIRECTION,
    AggregationPeriod,
    Direction,
    HealthStatus,
    MetricType,
    PerformanceMetric,
    SeriesKind,
    SystemHealthMetric,
    UserEngagementMetric,
    bad_direction,
)
from apps.analytics.periods import periods_between

ENGAGEMENT = MetricType.USER_ENGAGEMENT
# A user's engagement figure is whether they were active (0 or 1): a day off is not
# an anomaly, so engagement is scanned for the organisation and teams only.
PER_USER_METRICS = [m for m in MetricType.values if m != ENGAGEMENT]


@dataclass
class Series:
    """One series to scan: what it measures, whose it is, and its usable points."""

    kind: str
    bad_direction: str
    metric_type: str = ""
    component: str = ""
    health_type: str = ""
    granularity: str = ""
    team_id: int | None = None
    user_id: int | None = None
    timestamps: list[dt.datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    @property
    def scope_key(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.team_id is not None:
            return f"team:{self.team_id}"
        return "organisation"

    @property
    def has_enough_data(self) -> bool:
        """Enough points, and not all equal (a constant has nothing to find)."""
        return len(self.values) >= MIN_SERIES_POINTS and len(set(self.values)) > 1

    def append(self, timestamp: dt.datetime, value: float) -> None:
        self.timestamps.append(timestamp)
        self.values.append(value)


@dataclass
class Point:
    """One period of one scope's series, as the insights API shows it."""

    timestamp: dt.datetime
    value: float | None
    denominator: float | None
    partial: bool

    @property
    def usable(self) -> bool:
        """Whether the point says something: defined, final, over enough cases."""
        return (
            self.value is not None
            and not self.partial
            and (
                self.denominator is None or self.denominator >= MIN_ANOMALY_DENOMINATOR
            )
        )


def is_rate(metric_type: str) -> bool:
    return metric_type != ENGAGEMENT


def _pooled(metric_type: str, rows: list) -> tuple[float | None, float | None]:
    """Return (value, denominator) of rows pooled: rates by counts, counts summed."""
    if not is_rate(metric_type):
        return float(sum(value for value, _ in rows)), None
    numerator = sum(metadata.get("numerator", 0) for _, metadata in rows)
    denominator = sum(metadata.get("denominator", 0) for _, metadata in rows)
    return (numerator / denominator if denominator else None), denominator


def metric_series(granularity: str, start, end) -> list[Series]:
    """Return the final metric series of a granularity in [start, end) worth scanning.

    One for each metric of the organisation (its own rows), of each team (its
    members' rows pooled) and of each user (their rows). One query for the rows,
    one for the users' teams.
    """
    rows = (
        PerformanceMetric.objects.filter(
            aggregation_period=granularity,
            period_start__gte=start,
            period_start__lt=end,
        )
        .order_by("period_start")
        .values_list("metric_type", "period_start", "user_id", "value", "metadata")
    )
    team_of = dict(User.objects.exclude(team=None).values_list("pk", "team_id"))
    organisation, users = defaultdict(list), defaultdict(list)
    teams = defaultdict(lambda: defaultdict(list))
    for metric, start_, user_id, value, metadata in rows:
        if metadata.get("partial"):
            continue  # collected while the period ran: not its final figure
        if user_id is None:
            organisation[metric].append((start_, [(value, metadata)]))
            continue
        users[metric, user_id].append((start_, [(value, metadata)]))
        if user_id in team_of:
            teams[metric, team_of[user_id]][start_].append((value, metadata))
    found = []

    def build(metric, points, **owner):
        series = Series(
            SeriesKind.METRIC,
            bad_direction(GOOD_DIRECTION[metric]),
            metric_type=metric,
            granularity=granularity,
            **owner,
        )
        for start_, pooled in points:
            point = Point(start_, *_pooled(metric, pooled), partial=False)
            if point.usable:
                series.append(start_, point.value)
        if series.has_enough_data:
            found.append(series)

    for metric, points in organisation.items():
        build(metric, points)
    for (metric, team_id), by_start in teams.items():
        build(metric, sorted(by_start.items()), team_id=team_id)
    for (metric, user_id), points in users.items():
        if metric in PER_USER_METRICS:
            build(metric, points, user_id=user_id)
    return found


def health_series(start, end) -> list[Series]:
    """Return each component's reading series and availability in [start, end).

    A value series per component and health type (a down reading has no value and
    is left out), worse upwards when the readings say higher is worse; and an
    availability series per component: 1 when a reading was taken, 0 when it found
    the component down. One query.
    """
    rows = (
        SystemHealthMetric.objects.filter(timestamp__gte=start, timestamp__lt=end)
        .order_by("timestamp", "pk")
        .values_list(
            "component",
            "health_type",
            "timestamp",
            "value",
            "status",
            "higher_is_worse",
        )
    )
    values: dict[tuple, Series] = {}
    up: dict[str, dict] = defaultdict(dict)
    for component, health_type, timestamp, value, status, worse_up in rows:
        reachable = status != HealthStatus.DOWN and value is not None
        # Several checks of a component at one instant: down if any found it down.
        up[component][timestamp] = up[component].get(timestamp, 1) and int(reachable)
        if not reachable:
            continue
        series = values.get((component, health_type))
        if series is None:
            series = values[component, health_type] = Series(
                SeriesKind.HEALTH,
                Direction.UP if worse_up else Direction.DOWN,
                component=component,
                health_type=health_type,
            )
        series.append(timestamp, float(value))
    found = [s for s in values.values() if s.has_enough_data]
    for component, by_time in up.items():
        series = Series(SeriesKind.AVAILABILITY, Direction.DOWN, component=component)
        for timestamp, value in by_time.items():
            series.append(timestamp, float(value))
        if series.has_enough_data:
            found.append(series)
    return found


def engagement_volume_series(start, end) -> list[Series]:
    """Return the organisation's engagement events per hour in [start, end).

    Hours are counted in the database and zero-filled from the first hour with an
    event (before it, the product was not in use). `end` should be an hour's start:
    the hour in progress is not counted.
    """
    counts = dict(
        UserEngagementMetric.objects.filter(timestamp__gte=start, timestamp__lt=end)
        .annotate(hour=TruncHour("timestamp", tzinfo=dt.UTC))
        .order_by()
        .values("hour")
        .annotate(n=Count("id"))
        .values_list("hour", "n")
    )
    if not counts:
        return []
    series = Series(
        SeriesKind.ENGAGEMENT_VOLUME,
        bad_direction(GOOD_DIRECTION[ENGAGEMENT]),
        granularity=AggregationPeriod.HOURLY,
    )
    hour = min(counts)
    while hour + dt.timedelta(hours=1) <= end:
        series.append(hour, float(counts.get(hour, 0)))
        hour += dt.timedelta(hours=1)
    return [series] if series.has_enough_data else []


def scope_points(user_ids, metric_type: str, granularity: str, start, end) -> list:
    """Return one scope's series of a metric: a Point per period in [start, end).

    The organisation's own rows when `user_ids` is None, else those users' rows
    pooled. Periods with no row have a None value. One query.
    """
    periods = periods_between(granularity, start, end - dt.timedelta(microseconds=1))
    rows = PerformanceMetric.objects.filter(
        metric_type=metric_type,
        aggregation_period=granularity,
        period_start__gte=start,
        period_start__lt=end,
    )
    if user_ids is None:
        rows = rows.filter(user__isnull=True)
    else:
        rows = rows.filter(user_id__in=list(user_ids))
    by_start = defaultdict(list)
    for start_, value, metadata in rows.values_list(
        "period_start", "value", "metadata"
    ):
        by_start[start_].append((value, metadata))
    points = []
    for period in periods:
        found = by_start.get(period.start, [])
        value, denominator = _pooled(metric_type, found) if found else (None, None)
        partial = any(metadata.get("partial") for _, metadata in found)
        points.append(Point(period.start, value, denominator, partial))
    return points
