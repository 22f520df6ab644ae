"""The dashboard: headline figures, daily series from rollups, live activity.

Headline figures are computed for the caller's scope (the same service calls as
the reports) and cached per user; the series read the stored daily rollups (one
query); "active now" is read live on every call.
"""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from apps.accounts.scope import Permission, Scope
from apps.analytics.cache import AnalyticsCache, RealTimeAnalyticsCache
from apps.analytics.models import AggregationPeriod, MetricType, PerformanceMetric
from apps.analytics.periods import local_midnight
from apps.analytics.selectors import snapshots as figures
from apps.analytics.selectors.health import latest_readings, overall_status


def _series(scope, first_day: dt.date, last_day: dt.date) -> dict:
    """Return each metric per local day from the daily rollups, null where absent."""
    rows = PerformanceMetric.objects.filter(
        aggregation_period=AggregationPeriod.DAILY,
        period_start__gte=local_midnight(first_day),
        period_start__lt=local_midnight(last_day + dt.timedelta(days=1)),
    )
    if scope.user_ids is None:
        rows = rows.filter(user__isnull=True)
    else:
        rows = rows.filter(user_id__in=scope.user_ids)
    pooled = defaultdict(lambda: [0.0, 0.0])  # (metric, day) -> numerator, denominator
    for metric, start, value, metadata in rows.values_list(
        "metric_type", "period_start", "value", "metadata"
    ):
        day = timezone.localtime(start).date()
        if metric == MetricType.USER_ENGAGEMENT:
            pooled[metric, day][0] += value  # active users add up across users
            pooled[metric, day][1] = 1
        else:
            pooled[metric, day][0] += metadata.get("numerator", 0)
            pooled[metric, day][1] += metadata.get("denominator", 0)
    days = [
        first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)
    ]
    series = {}
    for metric, _, _ in figures.METRICS:
        points = []
        for day in days:
            numerator, denominator = pooled.get((metric, day), (None, 0))
            value = numerator / denominator if denominator else None
            points.append({"date": day.isoformat(), "value": value})
        series[metric] = points
    return series


def _compute(scope: Scope, days: int) -> dict:
    end = timezone.now()
    start = end - dt.timedelta(days=days)
    previous_start = start - dt.timedelta(days=days)
    headline = []
    engagement = {}
    for metric, _, _ in figures.METRICS:
        current = figures.snapshot(metric, start, end, scope.user_ids)
        before = figures.snapshot(metric, previous_start, start, scope.user_ids)
        if metric == MetricType.USER_ENGAGEMENT:
            engagement = current["breakdown"]
        headline.append(
            {
                **{k: v for k, v in current.items() if k != "breakdown"},
                "previous_value": before["value"],
                "change": figures.change(current["value"], before["value"]),
            }
        )
    today = timezone.localdate()
    data = {
        "window": {
            "days": days,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "previous_start": previous_start.isoformat(),
        },
        "scope": scope.as_dict(),
        "metrics": headline,
        "series": _series(scope, today - dt.timedelta(days=days - 1), today),
        "engagement": engagement,
        "last_refresh": end.isoformat(),
    }
    if scope.allows(Permission.SYSTEM_HEALTH_STATUS):
        readings = latest_readings()
        data["system_health"] = {
            "status": overall_status(readings),
            "components": [
                {
                    "component": r.component,
                    "health_type": r.health_type,
                    "status": r.status,
                    "value": r.value,
                    "unit": r.unit,
                    "timestamp": r.timestamp.isoformat(),
                }
                for r in readings
            ],
        }
    return data


def dashboard(scope: Scope, days: int) -> dict:
    """Return the dashboard of a scope for the last `days` days."""
    params = {
        "days": days,
        "scope": scope.key,
        "role": scope.role,
        "today": timezone.localdate(),
    }
    data, cached = AnalyticsCache.get_or_compute(
        "dashboard", params, lambda: _compute(scope, days), user=scope.viewer_id
    )
    active = RealTimeAnalyticsCache.active_user_ids()
    if scope.user_ids is not None:
        active = [pk for pk in active if pk in scope.user_ids]
    return {**data, "active_users_now": len(active), "is_cached": cached}
