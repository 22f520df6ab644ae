"""Monthly analytics: the month against the month before, daily series and trends."""

import datetime as dt

from apps.analytics.models import AggregationPeriod, ReportType
from apps.analytics.periods import period_containing
from apps.analytics.reporting import figures
from apps.analytics.reporting.competition import competition_section
from apps.analytics.reporting.envelope import envelope

MIN_POINTS_FOR_TREND = 7
# Over the month, a fitted change smaller than this is "flat": 2 points for a rate,
# 10% of the mean for a count.
FLAT_RATE = 0.02
FLAT_COUNT_SHARE = 0.10


def trend(points: list[dict], fmt: str) -> dict:
    """Fit a least-squares line to the defined points; say which way it goes."""
    values = [(i, p["value"]) for i, p in enumerate(points) if p["value"] is not None]
    if len(values) < MIN_POINTS_FOR_TREND:
        return {"direction": "insufficient data", "slope_per_day": None}
    n = len(values)
    mean_x = sum(x for x, _ in values) / n
    mean_y = sum(y for _, y in values) / n
    spread = sum((x - mean_x) ** 2 for x, _ in values)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in values) / spread
    fitted_change = slope * (len(points) - 1)
    flat = FLAT_RATE if fmt == "percent" else FLAT_COUNT_SHARE * abs(mean_y)
    if abs(fitted_change) < flat:
        direction = "flat"
    else:
        direction = "up" if fitted_change > 0 else "down"
    return {"direction": direction, "slope_per_day": round(slope, 6)}


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
    trends = {
        s["key"].rsplit("_", 1)[0]: trend(s["points"], s["format"])
        for s in data["series"]
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
    data["notes"] = figures.notable_changes(
        rows, "previous_month", "against the previous month"
    )
    return data
