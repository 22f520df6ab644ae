"""Insights of one series (anomalies, trend, forecast) and the sentences that say them.

`series_insights` reads one scope's stored rollups of a metric and runs the pure
functions of apps.analytics.insights on them: the API, the dashboard and the reports
all call it, so they agree. Its anomalies are detected on the series it returns
(warmed up on ANALYTICS_ANOMALY_HISTORY_DAYS of history before the window), so the
markers always sit on the drawn points, for any scope; the scan
(services.insights) stores those of the standard scopes for lists and alerts.
"""

import datetime as dt
import math

from django.conf import settings
from django.utils import timezone

from apps.analytics.insights.anomaly import detect
from apps.analytics.insights.forecast import forecast
from apps.analytics.insights.trend import trend
from apps.analytics.limits import DEFAULT_FORECAST_HORIZON, MIN_SERIES_POINTS
from apps.analytics.models import (
    GOOD_DIRECTION,
    AnomalySeverity,
    Direction,
    HealthType,
    SeriesKind,
    bad_direction,
)
from apps.analytics.periods import local_midnight, local_zone, shift_local_days
from apps.analytics.reporting.figures import table
from apps.analytics.selectors.series import is_rate, scope_points
from apps.analytics.selectors.snapshots import FORMATS, LABELS

ENGAGEMENT_VOLUME_LABEL = "Engagement volume"


def severity_of(score: float) -> str:
    """Return an anomaly's severity: critical from the critical score, else warning."""
    if score >= settings.ANALYTICS_ANOMALY_CRITICAL_SCORE:
        return AnomalySeverity.CRITICAL
    return AnomalySeverity.WARNING


def finite(value, fallback=None):
    """Return a float JSON can hold: NaN and infinities become `fallback`."""
    if value is None or not math.isfinite(value):
        return fallback
    return float(value)


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment, local_zone()).isoformat()


def empty_trend(n: int) -> dict:
    """The trend of a series too short to have one."""
    return {
        "direction": "flat",
        "slope_per_week": None,
        "slope_ci_low": None,
        "slope_ci_high": None,
        "p_value": None,
        "significant": False,
        "n": n,
        "change_points": [],
    }


def trend_of(values: list[float], timestamps: list[dt.datetime]) -> dict:
    """Return a series' trend as JSON (change points as ISO instants)."""
    if len(values) < 3:
        return empty_trend(len(values))
    data = trend(values, timestamps).as_dict()
    for key in ("slope_per_week", "slope_ci_low", "slope_ci_high", "p_value"):
        data[key] = finite(data.get(key))
    data["change_points"] = [
        moment if isinstance(moment, str) else _iso(moment)
        for moment in data.get("change_points", [])
    ]
    return data


def series_insights(
    scope,
    metric_type: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    granularity: str = "daily",
    horizon: int | None = None,
) -> dict:
    """Return one scope's series of a metric in [start, end), its anomalies, trend
    and forecast (the next `horizon` periods)."""
    horizon = horizon or DEFAULT_FORECAST_HORIZON[granularity]
    history_start = shift_local_days(start, -settings.ANALYTICS_ANOMALY_HISTORY_DAYS)
    points = scope_points(scope.user_ids, metric_type, granularity, history_start, end)
    usable = [p for p in points if p.usable]
    values = [p.value for p in usable]
    timestamps = [p.timestamp for p in usable]
    anomalies = []
    if len(usable) >= MIN_SERIES_POINTS:
        found = detect(
            values, timestamps, direction=bad_direction(GOOD_DIRECTION[metric_type])
        )
        anomalies = [
            {
                "timestamp": _iso(d.timestamp),
                "observed": finite(d.observed),
                "expected": finite(d.expected),
                "score": finite(d.score),
                "direction": d.direction,
                "severity": severity_of(d.score),
            }
            for d in found
            if d.timestamp >= start
        ]
    in_window = [p for p in usable if p.timestamp >= start]
    bounds = (0.0, 1.0) if is_rate(metric_type) else (0.0, math.inf)
    return {
        "metric_type": metric_type,
        "granularity": granularity,
        "scope": scope.as_dict(),
        "series": [
            {
                "timestamp": _iso(p.timestamp),
                "value": p.value,
                "denominator": p.denominator,
                "partial": p.partial,
            }
            for p in points
            if p.timestamp >= start
        ],
        "anomalies": anomalies,
        "trend": trend_of(
            [p.value for p in in_window], [p.timestamp for p in in_window]
        ),
        "forecast": forecast_of(values, timestamps, horizon, bounds),
    }


def forecast_of(values, timestamps, horizon: int, bounds) -> dict:
    """Return the forecast as JSON; with fewer than 3 points, an empty one."""
    keys = ("mean", "lower_80", "upper_80", "lower_95", "upper_95")
    if len(values) < 3:
        return {"timestamps": [], **{k: [] for k in keys}, "model": "none"}
    data = forecast(values, timestamps, horizon, bounds=bounds)
    answer = {"timestamps": [_iso(moment) for moment in data["timestamps"]]}
    for key in keys:
        answer[key] = [finite(v) for v in data[key]]
    answer["model"] = data["model"]
    return answer


# --- sentences ----------------------------------------------------------------------


def ordinal(day: int) -> str:
    """Return 1st, 2nd, 3rd, 4th... 11th, 12th, 13th... 21st."""
    suffix = (
        "th"
        if 10 <= day % 100 <= 20
        else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    )
    return f"{day}{suffix}"


def series_label(
    series_kind: str, metric_type: str = "", component: str = "", health_type: str = ""
) -> str:
    """Return the words for a series: `CRM sync success`, `gemini_api API response
    time`, `cache availability`, `Engagement volume`."""
    if series_kind == SeriesKind.METRIC:
        return LABELS[metric_type]
    if series_kind == SeriesKind.AVAILABILITY:
        return f"{component} availability"
    if series_kind == SeriesKind.HEALTH:
        check = str(HealthType(health_type).label)
        # "Success rate" reads "success rate" mid-sentence; "API ..." keeps its case.
        if check[1:2].islower():
            check = check[0].lower() + check[1:]
        return f"{component} {check}"
    return ENGAGEMENT_VOLUME_LABEL


def anomaly_sentences(anomalies: list[dict], *, with_time: bool = False) -> list[str]:
    """Say each series' anomalies once per local day: `CRM sync success dropped
    sharply on the 19th.` (critical: sharply), in time order.

    Each anomaly is a dict with series_kind, metric_type, component, health_type,
    granularity, timestamp (datetime), direction and severity. `with_time` (a daily
    summary, about one day) says the first local time of the day's anomalies
    instead, or "over the day" for a day's figure.
    """
    days: dict[tuple, dict] = {}
    for a in sorted(anomalies, key=lambda a: a["timestamp"]):
        label = series_label(
            a["series_kind"], a["metric_type"], a["component"], a["health_type"]
        )
        local = timezone.localtime(a["timestamp"], local_zone())
        whole_day = with_time and a.get("granularity") == "daily"
        key = (label, local.date(), a["direction"], whole_day)
        seen = days.setdefault(key, {"first": local, "critical": False})
        seen["critical"] |= a["severity"] == AnomalySeverity.CRITICAL
    sentences = []
    for (label, day, direction, whole_day), seen in days.items():
        verb = "dropped" if direction == Direction.DOWN else "rose"
        sharply = " sharply" if seen["critical"] else ""
        if not with_time:
            when = f"on the {ordinal(day.day)}"
        else:
            when = "over the day" if whole_day else f"at {seen['first']:%H:%M}"
        sentences.append(f"{label} {verb}{sharply} {when}.")
    return sentences


def trend_sentence(metric_type: str, data: dict) -> str | None:
    """Say a significant trend: `Data extraction accuracy is improving 0.8 points a
    week (significant).`; None for a trend that is not significant."""
    slope = data.get("slope_per_week")
    if not data.get("significant") or not slope:
        return None
    better = (slope > 0) == (GOOD_DIRECTION[metric_type] == Direction.UP)
    if FORMATS[metric_type] == "percent":
        verb = "improving" if better else "declining"
        size = f"{abs(slope) * 100:.1f} points"
    else:
        verb = "rising" if slope > 0 else "falling"
        size = f"{abs(slope):.1f}"
    return f"{LABELS[metric_type]} is {verb} {size} a week (significant)."


def trend_label(data: dict, change: float | None) -> str:
    """Return the word of a trend beside a period-over-period change.

    Only a significant trend has a direction; one that disagrees with the change
    against the previous period (a month that rose overall on a line that falls
    at its end) is `mixed`, never `down` beside a rise.
    """
    if data["n"] < 7:
        return "insufficient data"
    if not data["significant"] or data["direction"] == "flat":
        return "flat"
    if change and (change > 0) != (data["direction"] == "up"):
        return "mixed"
    return data["direction"]


# --- the reports' insight sections --------------------------------------------------

MAX_ANOMALY_SENTENCES = 10


def anomaly_table(anomalies: list[dict]) -> dict:
    """Return a report table of anomalies, in time order."""
    return table(
        "anomalies",
        "Anomalies",
        ["When", "Series", "Direction", "Observed", "Expected", "Severity"],
        [
            [
                timezone.localtime(a["timestamp"], local_zone()).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                series_label(
                    a["series_kind"], a["metric_type"], a["component"], a["health_type"]
                ),
                a["direction"],
                a["observed"],
                a["expected"],
                a["severity"],
            ]
            for a in anomalies
        ],
        ["text", "text", "text", "decimal", "decimal", "text"],
    )


def capped(sentences: list[str]) -> list[str]:
    """Keep the first MAX_ANOMALY_SENTENCES sentences, saying how many were left."""
    if len(sentences) <= MAX_ANOMALY_SENTENCES:
        return sentences
    rest = len(sentences) - MAX_ANOMALY_SENTENCES
    return [*sentences[:MAX_ANOMALY_SENTENCES], f"And {rest} more (see Anomalies)."]


def month_forecast(month, series: list[dict]) -> tuple[dict, dict]:
    """Forecast each metric over the month after `month` from its daily points.

    The points are the report's own daily series (rollups, or the source where
    none are final), so a report reads the same whether the rollups exist or not.
    Returns ({metric: daily forecast}, a table of the average day: the mean of the
    daily forecasts and of their 80% and 95% bounds).
    """
    following = month.next()
    days = (
        local_midnight_day(following.end) - local_midnight_day(following.start)
    ).days
    keys = ("mean", "lower_80", "upper_80", "lower_95", "upper_95")
    forecasts, rows, formats = {}, [], []
    for one in series:
        metric = one["key"].rsplit("_", 1)[0]
        usable = [p for p in one["points"] if p["value"] is not None]
        bounds = (0.0, 1.0) if is_rate(metric) else (0.0, math.inf)
        found = forecast_of(
            [p["value"] for p in usable],
            [local_midnight(dt.date.fromisoformat(p["date"])) for p in usable],
            days,
            bounds,
        )
        forecasts[metric] = found
        averages = []
        for key in keys:
            ahead = [v for v in found[key] if v is not None]
            averages.append(sum(ahead) / len(ahead) if ahead else None)
        if averages[0] is None:
            continue
        rows.append([LABELS[metric], *averages, found["model"]])
        formats.append(FORMATS[metric])
    forecast_table = table(
        "forecast",
        f"Forecast for {following.label} (average day)",
        ["Metric", "Expected", "80% low", "80% high", "95% low", "95% high", "Model"],
        rows,
        ["text", "row", "row", "row", "row", "row", "text"],
        formats,
    )
    return forecasts, forecast_table


def local_midnight_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, local_zone()).date()
