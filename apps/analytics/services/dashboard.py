"""The dashboard: headline figures, daily series from rollups, live activity.

Headline figures are computed for the caller's scope (the same selectors as the
reports) and cached under that scope's users, so a change to one of them forgets
it; the series read the stored daily rollups (selectors.rollups); "active now" is
read live on every call.
"""

import datetime as dt

from django.utils import timezone

from apps.accounts.scope import Permission, Scope
from apps.analytics.cache import RealTimeAnalyticsCache, cache_analytics_result
from apps.analytics.models import GOOD_DIRECTION, AggregationPeriod, MetricType
from apps.analytics.periods import (
    local_day_end,
    local_midnight,
    previous_window,
    shift_local_days,
)
from apps.analytics.selectors import snapshots as figures
from apps.analytics.selectors.alerts import open_alerts
from apps.analytics.selectors.headline import headline_snapshots
from apps.analytics.selectors.health import current_readings, overall_status
from apps.analytics.selectors.rollups import series_from, series_plan
from apps.analytics.services.insights import dashboard_insights


def _series(periods, values: dict, now) -> dict:
    """Return each metric per local day, from the daily rollups where final.

    The day still in progress is marked `partial`, so a chart shows it as such
    rather than as a drop.
    """
    days = [
        (timezone.localtime(p.start).date().isoformat(), p.end > now) for p in periods
    ]
    return {
        metric: [
            {"date": date, "value": value, "partial": partial}
            for (date, partial), value in zip(days, points, strict=True)
        ]
        for metric, points in values.items()
    }


def _window(days, first_day, last_day, today, now):
    """Return (start, end, first day, last day) of a dashboard's window.

    `days` is a rolling window ending now, in local calendar days (never days x
    24 hours across DST); `first_day`..`last_day` are local days, both included,
    cut at now (a window that lies ahead is empty, not inverted).
    """
    if first_day is None:
        return (
            shift_local_days(now, -days),
            now,
            today - dt.timedelta(days=days - 1),
            today,
        )
    start = local_midnight(first_day)
    end = max(start, min(local_day_end(last_day), now))
    return start, end, first_day, last_day


def _competition(start, end, user_ids) -> dict:
    """Return share of voice and the fastest risers of a window."""
    insights = figures.competition(start, end, user_ids)
    return {
        "total_mentions": insights["total_mentions"],
        "previous_total_mentions": insights["previous_total_mentions"],
        "competitors": insights["competitors"],
        "rising": insights["rising"],
    }


@cache_analytics_result("dashboard")
def dashboard_figures(
    scope: Scope,
    days: int | None,
    today: dt.date,
    with_health: bool,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
):
    """Compute the cached part of a dashboard (keyed by scope, window and day)."""
    now = timezone.now()
    start, end, first_day, last_day = _window(days, first_day, last_day, today, now)
    previous_start, _ = previous_window(start, end)
    # The series' days from the daily rollups where final; the rest (today)...
    periods, stored, missing = series_plan(
        AggregationPeriod.DAILY,
        local_midnight(first_day),
        local_day_end(last_day),
        scope.user_ids,
        now=now,
    )
    # ...counted with the headline's windows in one call (each rate's raw rest in
    # one query for all of them). From the daily rollups where final: computing
    # from the source tables grew with them.
    currents, befores, *counted = headline_snapshots(
        [(start, end), (previous_start, start), *((p.start, p.end) for p in missing)],
        scope.user_ids,
    )
    headline = []
    engagement = {}
    for metric, _, _ in figures.METRICS:
        current, before = currents[metric], befores[metric]
        if metric == MetricType.USER_ENGAGEMENT:
            engagement = current["breakdown"]
        headline.append(
            {
                **{k: v for k, v in current.items() if k != "breakdown"},
                "previous_value": before["value"],
                "change": figures.change(current["value"], before["value"]),
                "good_direction": GOOD_DIRECTION[metric],
            }
        )
    data = {
        "window": {
            "days": (last_day - first_day).days + 1,
            "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "previous_start": previous_start.isoformat(),
        },
        "scope": scope.as_dict(),
        "metrics": headline,
        "series": _series(periods, series_from(periods, stored, missing, counted), now),
        "engagement": engagement,
        "competition": _competition(start, end, scope.user_ids),
        "last_refresh": now.isoformat(),
    }
    _add_insights(data, scope, first_day, min(last_day, today))
    if with_health:
        readings = current_readings()
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


def _add_insights(data: dict, scope: Scope, first_day: dt.date, today: dt.date):
    """Give each headline metric its trend and the anomalies of the window."""
    found = dashboard_insights(scope, data["series"], first_day, today)
    for metric in data["metrics"]:
        metric.update(found[metric["metric_type"]])


def dashboard(
    scope: Scope,
    days: int | None = 7,
    *,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> dict:
    """Return the dashboard of a scope for the last `days` days, or for local days
    `first_day`..`last_day` (both included) when they are given."""
    if first_day is not None:
        days = None
    data, cached = dashboard_figures.with_status(
        scope,
        days,
        timezone.localdate(),
        scope.allows(Permission.SYSTEM_HEALTH_STATUS),
        first_day,
        last_day,
    )
    live = {}
    if scope.allows(Permission.ALERTS):  # read live: an alert must not wait 5 minutes
        live["open_alerts"] = open_alerts(scope)
    active = RealTimeAnalyticsCache.active_user_ids()
    if scope.user_ids is not None:
        active = [pk for pk in active if pk in scope.user_ids]
    return {**data, **live, "active_users_now": len(active), "is_cached": cached}


def metric_breakdown(
    scope: Scope,
    metric: str,
    days: int | None = 30,
    *,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> dict:
    """Return one metric's figure and breakdown for a window and scope: the same
    breakdown the collector stores in each PerformanceMetric row's metadata
    (confusion matrix, per-field accuracy, sync by direction and provider, p95
    duration, top errors), computed for the scope, since per-user rows' breakdowns
    do not add up."""
    now = timezone.now()
    today = timezone.localdate()
    start, end, first_day, last_day = _window(days, first_day, last_day, today, now)
    figure = figures.snapshot(metric, start, end, scope.user_ids)
    return {
        **figure,
        "good_direction": GOOD_DIRECTION[metric],
        "window": {"first_day": first_day, "last_day": last_day},
    }
