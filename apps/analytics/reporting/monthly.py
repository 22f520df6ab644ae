"""Monthly analytics: the month against the month before, daily series and trends."""

import datetime as dt

from apps.analytics.models import AggregationPeriod, ReportType
from apps.analytics.periods import local_midnight, period_containing
from apps.analytics.reporting import figures, insights
from apps.analytics.reporting.competition import competition_section
from apps.analytics.reporting.envelope import envelope
from apps.analytics.selectors.anomalies import anomaly_dicts, own_series_anomalies


def trend(points: list[dict], change: float | None = None) -> dict:
    """Return the significance-aware trend of a month's daily points (Mann-Kendall
    with Sen's slope), labelled beside the month-over-month change: only a
    significant trend has a direction, and never one against that change."""
    usable = [p for p in points if p["value"] is not None]
    data = insights.trend_of(
        [p["value"] for p in usable],
        [local_midnight(dt.date.fromisoformat(p["date"])) for p in usable],
    )
    return {
        "direction": insights.trend_label(data, change),
        "slope_per_week": data["slope_per_week"],
        "significant": data["significant"],
        "p_value": data["p_value"],
    }


def insight_section(scope, month, data, trends) -> tuple[dict, list, list[str]]:
    """Return the month's insights: forecast, anomalies, trends; tables; sentences."""
    metrics = [row["metric_type"] for row in data["summary"]]
    forecasts, forecast_table = insights.month_forecast(month, data["series"])
    anomalies = anomaly_dicts(own_series_anomalies(scope, month.start, month.end))
    trend_sentences = [
        sentence
        for metric in metrics
        if (sentence := insights.trend_sentence(metric, trends[metric]))
    ]
    sentences = trend_sentences + insights.capped(insights.anomaly_sentences(anomalies))
    section = {
        "forecast": forecasts,
        "anomalies": [
            {**a, "timestamp": a["timestamp"].isoformat()} for a in anomalies
        ],
        "sentences": sentences,
    }
    return section, [forecast_table, insights.anomaly_table(anomalies)], sentences


def build(moment: dt.datetime, scope) -> dict:
    """Return the monthly analytics report of the month containing `moment`."""
    month = period_containing(AggregationPeriod.MONTHLY, moment)
    rows = figures.summary_rows(
        {"current": month, "previous_month": month.previous()}, scope.user_ids
    )
    data = envelope(
        ReportType.MONTHLY_ANALYTICS,
        f"Monthly analytics {month.label} ({scope.label})",
        month.start,
        month.end,
        month.label,
        scope,
    )
    data["summary"] = [
        {k: v for k, v in row.items() if k != "breakdown"} for row in rows
    ]
    data["series"] = figures.series(
        AggregationPeriod.DAILY, month.start, month.end, scope.user_ids
    )
    changes = {
        row["metric_type"]: row["comparisons"]["previous_month"]["change"]
        for row in rows
    }
    trends = {
        metric: trend(s["points"], changes.get(metric))
        for s in data["series"]
        if (metric := s["key"].rsplit("_", 1)[0])
    }
    data["sections"]["trends"] = trends
    table = figures.metric_table(rows, {"previous_month": "Previous month"})
    table["columns"].append("Trend")
    table["formats"].append("text")
    for cells, row in zip(table["rows"], rows, strict=True):
        cells.append(trends[row["metric_type"]]["direction"])
    data["tables"].append(table)
    competition, competitors = competition_section(
        month.start, month.end, scope.user_ids
    )
    data["sections"]["competitive_intelligence"] = competition
    data["tables"].append(competitors)
    section, tables, sentences = insight_section(scope, month, data, trends)
    data["sections"]["insights"] = section
    data["tables"] += tables
    data["notes"] = (
        figures.notable_changes(rows, "previous_month", "against the previous month")
        + sentences
    )
    return data
