"""Metric figures from the stored rollups: what the dashboard and reports show.

A period is read from its `PerformanceMetric` rows when it was collected after it
ended: the organisation's `user_engagement` row, stored for every collected period
even when no one was active, says so, and an in-progress collection is flagged
`partial`. Any other period (never collected, collected while in progress, still
running, or of no stored kind, such as a custom window) is computed from the
source data, so a figure is never missing or stale. Users' rows are pooled as the
selectors pool them: rates from their numerators and denominators, active users by
adding up; the organisation's figure is its own row.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from apps.analytics.models import AggregationPeriod, MetricType, PerformanceMetric
from apps.analytics.periods import Period, periods_between
from apps.analytics.selectors.headline import headline_snapshots
from apps.analytics.selectors.snapshots import FORMATS, LABELS, METRICS, snapshot

ENGAGEMENT = MetricType.USER_ENGAGEMENT
COUNT_KEYS = ("numerator", "denominator", "sample_size", "partial")


def _final(periods, now) -> list[Period]:
    return [p for p in periods if p.kind in AggregationPeriod.values and p.end <= now]


def _stored(periods: list[Period], user_ids, metrics) -> dict:
    """Return {(metric, kind, start): snapshot} of the final stored periods."""
    if not periods:
        return {}
    wanted = Q()
    for kind in {p.kind for p in periods}:
        starts = [p.start for p in periods if p.kind == kind]
        wanted |= Q(aggregation_period=kind, period_start__in=starts)
    rows = PerformanceMetric.objects.filter(wanted)
    marker = Q(user__isnull=True, metric_type=ENGAGEMENT)
    mine = Q(user__isnull=True) if user_ids is None else Q(user_id__in=user_ids)
    rows = rows.filter(marker | (mine & Q(metric_type__in=metrics)))
    complete, found = set(), defaultdict(list)
    fields = ("metric_type", "aggregation_period", "period_start", "user_id", "value")
    for *key, user_id, value, metadata in rows.values_list(*fields, "metadata"):
        metric, kind, start = key
        if user_id is None and metric == ENGAGEMENT and not metadata.get("partial"):
            complete.add((kind, start))
        if (user_id is None) == (user_ids is None) and metric in metrics:
            found[metric, kind, start].append((value, metadata))
    return {
        (metric, kind, start): _figure(
            metric, found.get((metric, kind, start), []), organisation=user_ids is None
        )
        for metric in metrics
        for kind, start in complete
    }


def _figure(metric, rows: list, *, organisation: bool) -> dict:
    """Return a snapshot from a period's rows: the organisation's, or per user."""
    figure = {
        "metric_type": metric,
        "label": LABELS[metric],
        "format": FORMATS[metric],
    }
    if metric == ENGAGEMENT:
        figure.update(
            value=int(sum(value for value, _ in rows)),
            numerator=None,
            denominator=None,
        )
    else:
        numerator = sum(metadata.get("numerator", 0) for _, metadata in rows)
        denominator = sum(metadata.get("denominator", 0) for _, metadata in rows)
        figure.update(
            value=numerator / denominator if denominator else None,
            numerator=numerator,
            denominator=denominator,
        )
    figure["sample_size"] = sum(metadata.get("sample_size", 0) for _, metadata in rows)
    # Breakdowns (medians, sessions, DAU...) do not add up across users: only the
    # organisation's own row has its breakdown (None: compute it where needed).
    figure["breakdown"] = (
        {k: v for k, v in rows[0][1].items() if k not in COUNT_KEYS}
        if organisation and rows
        else None
    )
    return figure


def snapshots(periods: dict[str, Period], user_ids, metrics=None, *, now=None):
    """Return {(name, metric): snapshot} for named periods, stored where final.

    One query for every stored period; the others are computed.
    """
    metrics = list(metrics) if metrics else [metric for metric, _, _ in METRICS]
    now = now or timezone.now()
    stored = _stored(_final(periods.values(), now), user_ids, metrics)
    figures = {}
    for name, period in periods.items():
        for metric in metrics:
            figure = stored.get((metric, period.kind, period.start))
            if figure is None:
                figure = snapshot(metric, period.start, period.end, user_ids)
            figures[name, metric] = figure
    return figures


def series_plan(kind: str, start, end, user_ids, metrics=None, *, now=None):
    """Return the periods of `kind` in [start, end), their stored figures, and the
    periods that must be counted (today, a period never collected).

    Split from series_values so that a caller counting other windows too (the
    dashboard's headline) counts these in the same queries (series_from).
    """
    metrics = list(metrics) if metrics else [metric for metric, _, _ in METRICS]
    periods = periods_between(kind, start, end - dt.timedelta(microseconds=1))
    stored = _stored(_final(periods, now or timezone.now()), user_ids, metrics)
    missing = [
        p for p in periods if any((m, p.kind, p.start) not in stored for m in metrics)
    ]
    return periods, stored, missing


def series_from(periods, stored, missing, counted, metrics=None) -> dict[str, list]:
    """Return each metric's values over `periods`: stored, else from `counted`
    (headline_snapshots of `missing`, in order)."""
    metrics = list(metrics) if metrics else [metric for metric, _, _ in METRICS]
    computed = dict(zip([p.start for p in missing], counted, strict=True))
    return {
        metric: [
            (stored.get((metric, p.kind, p.start)) or computed[p.start][metric])[
                "value"
            ]
            for p in periods
        ]
        for metric in metrics
    }


def series_values(
    kind: str, start, end, user_ids, metrics=None, *, now=None
) -> tuple[list[Period], dict[str, list]]:
    """Return the periods of `kind` in [start, end) and each metric's values there."""
    periods, stored, missing = series_plan(kind, start, end, user_ids, metrics, now=now)
    # The rest (today, a period never collected): only values are shown, so count
    # what they need (selectors.headline) rather than compute whole breakdowns.
    counted = headline_snapshots([(p.start, p.end) for p in missing], user_ids)
    return periods, series_from(periods, stored, missing, counted, metrics)
