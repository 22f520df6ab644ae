"""The anomaly scan and the dashboard's insights.

`scan_anomalies` reads every stored series (selectors.series), runs the detector on
each with its bad direction (a fall in a rate, a rise in latency, a drop in
engagement) and stores what it finds in the scanned window as Anomaly rows. The
rows' unique key makes it idempotent: a run over the same data adds nothing, and
overlapping runs cannot store a point twice (the insert ignores conflicts).
"""

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils import timezone

from apps.analytics.insights.anomaly import detect
from apps.analytics.models import AggregationPeriod, Anomaly, SeriesKind
from apps.analytics.periods import local_midnight, period_containing
from apps.analytics.reporting.insights import (
    finite,
    series_insights,
    severity_of,
    trend_of,
)
from apps.analytics.selectors.anomalies import own_series_anomalies
from apps.analytics.selectors.series import (
    Series,
    engagement_volume_series,
    health_series,
    metric_series,
)

__all__ = ["ScanSummary", "dashboard_insights", "scan_anomalies", "series_insights"]

logger = logging.getLogger(__name__)
BATCH_SIZE = 500


@dataclass
class ScanSummary:
    """What a scan did, for the command, the task and the logs."""

    since: str
    until: str
    series: int = 0
    points: int = 0
    found: int = 0
    recorded: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _families(history_start, now) -> list[tuple[str, Callable[[], list[Series]]]]:
    hour_start = period_containing(AggregationPeriod.HOURLY, now).start
    return [
        (
            "daily metrics",
            lambda: metric_series(AggregationPeriod.DAILY, history_start, now),
        ),
        (
            "hourly metrics",
            lambda: metric_series(AggregationPeriod.HOURLY, history_start, now),
        ),
        ("system health", lambda: health_series(history_start, now)),
        (
            "engagement volume",
            lambda: engagement_volume_series(history_start, hour_start),
        ),
    ]


def _rows(series: Series, since: dt.datetime) -> list[Anomaly]:
    rows = []
    for found in detect(
        series.values, series.timestamps, direction=series.bad_direction
    ):
        if found.timestamp < since:
            continue  # before the scanned window: history only
        score = min(1.0, max(0.0, finite(found.score, 1.0)))
        rows.append(
            Anomaly(
                series_kind=series.kind,
                metric_type=series.metric_type,
                component=series.component,
                health_type=series.health_type,
                granularity=series.granularity,
                team_id=series.team_id,
                user_id=series.user_id,
                scope_key=series.scope_key,
                timestamp=found.timestamp,
                observed=finite(found.observed, 0.0),
                expected=finite(found.expected, finite(found.observed, 0.0)),
                score=score,
                direction=found.direction,
                severity=severity_of(score),
            )
        )
    return rows


def scan_anomalies(
    *,
    since: dt.datetime | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ScanSummary:
    """Scan every stored series and record the anomalies from `since` to `now`.

    Each series is read from ANALYTICS_ANOMALY_HISTORY_DAYS before `since` so the
    detector warms up on its history (default `since`: ANALYTICS_ANOMALY_SCAN_DAYS
    ago). `progress(family, series, anomalies)` is told after each family.
    """
    started = time.monotonic()
    now = now or timezone.now()
    since = since or now - dt.timedelta(days=settings.ANALYTICS_ANOMALY_SCAN_DAYS)
    history_start = since - dt.timedelta(days=settings.ANALYTICS_ANOMALY_HISTORY_DAYS)
    summary = ScanSummary(since=since.isoformat(), until=now.isoformat())
    before = Anomaly.objects.filter(timestamp__gte=since).count()
    for family, read in _families(history_start, now):
        rows = []
        found = read()
        for series in found:
            summary.points += len(series.values)
            rows += _rows(series, since)
        summary.series += len(found)
        summary.found += len(rows)
        Anomaly.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH_SIZE)
        if progress is not None:
            progress(family, len(found), len(rows))
    summary.recorded = Anomaly.objects.filter(timestamp__gte=since).count() - before
    summary.seconds = round(time.monotonic() - started, 3)
    logger.info("anomaly scan: %s", summary.as_dict())
    return summary


def dashboard_insights(scope, series: dict, first_day: dt.date, today: dt.date):
    """Return {metric: {"trend", "anomalies"}} for a dashboard's window.

    The trend is read from the dashboard's own daily series (today, still running,
    left out); the anomalies are the stored daily ones of the scope's own series in
    the window. One query whatever the number of metrics.
    """
    by_metric = defaultdict(list)
    rows = own_series_anomalies(
        scope, local_midnight(first_day), local_midnight(today + dt.timedelta(days=1))
    ).filter(series_kind=SeriesKind.METRIC, granularity=AggregationPeriod.DAILY)
    for row in rows.values(
        "metric_type",
        "timestamp",
        "observed",
        "expected",
        "score",
        "direction",
        "severity",
    ):
        metric = row.pop("metric_type")
        row["timestamp"] = timezone.localtime(row["timestamp"]).isoformat()
        by_metric[metric].append(row)
    answer = {}
    for metric, points in series.items():
        final = [
            (local_midnight(dt.date.fromisoformat(p["date"])), p["value"])
            for p in points
            if p["value"] is not None and p["date"] != today.isoformat()
        ]
        data = trend_of([v for _, v in final], [t for t, _ in final])
        answer[metric] = {
            "trend": {
                "direction": data["direction"],
                "slope_per_week": data["slope_per_week"],
                "significant": data["significant"],
            },
            "anomalies": by_metric.get(metric, []),
        }
    return answer
