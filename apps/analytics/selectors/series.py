"""Metric series from the stored rollups: what the dashboard and reports chart.

A period is read from its `PerformanceMetric` rows when it was collected after it
ended: the organisation's `user_engagement` row, stored for every collected period
even when no one was active, says so, and an in-progress collection is flagged
`partial`. Any other period (never collected, collected while in progress, or still
running) is computed from the source data, so a chart never shows a gap or a
stale figure. Users' rows are pooled as the selectors pool them: rates from their
numerators and denominators, active users by adding up.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from apps.analytics.models import MetricType, PerformanceMetric
from apps.analytics.periods import Period, periods_between
from apps.analytics.selectors.snapshots import METRICS, snapshot

ENGAGEMENT = MetricType.USER_ENGAGEMENT


def _stored(kind, periods, user_ids, metrics) -> tuple[set, dict]:
    """Return (starts of complete collected periods, {(metric, start): [num, den]})."""
    rows = PerformanceMetric.objects.filter(
        aggregation_period=kind,
        period_start__gte=periods[0].start,
        period_start__lt=periods[-1].end,
    )
    marker = Q(user__isnull=True, metric_type=ENGAGEMENT)
    if user_ids is None:
        rows = rows.filter(user__isnull=True, metric_type__in=metrics) | rows.filter(
            marker
        )
    else:
        rows = rows.filter(user_id__in=user_ids, metric_type__in=metrics) | rows.filter(
            marker
        )
    complete, pooled = set(), defaultdict(lambda: [0.0, 0.0])
    fields = ("metric_type", "period_start", "user_id", "value", "metadata")
    for metric, start, user_id, value, metadata in rows.values_list(*fields):
        if user_id is None and metric == ENGAGEMENT and not metadata.get("partial"):
            complete.add(start)
        if (user_id is None) != (user_ids is None) or metric not in metrics:
            continue  # the organisation's marker row, read for a set of users
        if metric == ENGAGEMENT:
            pooled[metric, start][0] += value  # active users add up across users
            pooled[metric, start][1] = 1
        else:
            pooled[metric, start][0] += metadata.get("numerator", 0)
            pooled[metric, start][1] += metadata.get("denominator", 0)
    return complete, pooled


def series_values(
    kind: str, start, end, user_ids, metrics=None, *, now=None
) -> tuple[list[Period], dict[str, list]]:
    """Return the periods of `kind` in [start, end) and each metric's values there.

    One query for the stored periods; the others are computed (about three
    queries per metric and period).
    """
    metrics = list(metrics) if metrics else [metric for metric, _, _ in METRICS]
    periods = periods_between(kind, start, end - dt.timedelta(microseconds=1))
    complete, pooled = _stored(kind, periods, user_ids, metrics)
    now = now or timezone.now()
    values: dict[str, list] = {metric: [] for metric in metrics}
    for period in periods:
        stored = period.start in complete and period.end <= now
        for metric in metrics:
            if stored:
                # No row: no one active (a count of 0), or a rate over nothing.
                none = (0, 1 if metric == ENGAGEMENT else 0)
                numerator, denominator = pooled.get((metric, period.start), none)
                value = numerator / denominator if denominator else None
            else:
                value = snapshot(metric, period.start, period.end, user_ids)["value"]
            values[metric].append(value)
    return periods, values
