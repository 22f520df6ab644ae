"""Custom reports: chosen metrics, window, granularity, users and comparison."""

import datetime as dt

from apps.analytics.models import AggregationPeriod, ReportType
from apps.analytics.periods import CUSTOM, Period, local_zone
from apps.analytics.reporting import figures
from apps.analytics.reporting.envelope import envelope

# Series points a custom report may have per metric (a year of days, say).
MAX_POINTS = 400


def build(*, start, end, scope, metrics, granularity, compare_previous) -> dict:
    """Return a custom report over [start, end) for `scope`."""
    current = Period(start, end, CUSTOM)
    periods = {"current": current}
    if compare_previous:
        periods["previous_period"] = current.previous()
    rows = figures.summary_rows(periods, scope.user_ids, metrics)
    local_start = start.astimezone(local_zone())
    local_end = (end - dt.timedelta(microseconds=1)).astimezone(local_zone())
    label = f"{local_start:%Y-%m-%d} to {local_end:%Y-%m-%d}"
    data = envelope(
        ReportType.CUSTOM,
        f"Custom report {label} ({scope.label})",
        start,
        end,
        label,
        scope,
    )
    data["summary"] = [{k: v for k, v in r.items() if k != "breakdown"} for r in rows]
    columns = {"previous_period": "Previous period"} if compare_previous else {}
    data["tables"].append(figures.metric_table(rows, columns))
    if granularity in AggregationPeriod.values:
        data["series"] = figures.series(
            granularity, start, end, scope.user_ids, [r["metric_type"] for r in rows]
        )
    data["sections"]["parameters"] = {
        "metrics": [row["metric_type"] for row in rows],
        "granularity": granularity,
        "compare_previous": compare_previous,
    }
    if compare_previous:
        data["notes"] = figures.notable_changes(
            rows, "previous_period", "against the previous period"
        )
    return data
