"""Figures reports share: comparisons, series, notable changes, tables."""

import datetime as dt

from django.utils import timezone

from apps.analytics.periods import Period, local_zone
from apps.analytics.selectors.rollups import series_values, snapshots
from apps.analytics.selectors.snapshots import (
    FORMATS,
    LABELS,
    METRICS,
    change,
    snapshot,
)

# A rate moving this much (in points) on enough data is worth a sentence.
NOTABLE_RATE_CHANGE = 0.05
NOTABLE_COUNT_CHANGE = 0.25
MIN_SAMPLE_FOR_NOTES = 10
MIN_COUNT_FOR_NOTES = 5


def summary_rows(periods: dict[str, Period], user_ids, metrics=None) -> list[dict]:
    """Return each metric for the "current" period with the other periods compared.

    Final stored periods come from the rollups; a row's `breakdown` is None where
    they cannot give it (pooled users' rows): `breakdown_of` computes it.
    """
    chosen = [m for m, _, _ in METRICS if metrics is None or m in metrics]
    figures = snapshots(periods, user_ids, chosen)
    rows = []
    for metric_type in chosen:
        current = figures["current", metric_type]
        comparisons = {}
        for name in periods:
            if name == "current":
                continue
            other = figures[name, metric_type]
            comparisons[name] = {
                "value": other["value"],
                "sample_size": other["sample_size"],
                "change": change(current["value"], other["value"]),
            }
        rows.append({**current, "comparisons": comparisons})
    return rows


def breakdown_of(row: dict, period: Period, user_ids) -> dict:
    """Return a summary row's breakdown, computing it where the rollups lack it."""
    if row["breakdown"] is not None:
        return row["breakdown"]
    return snapshot(row["metric_type"], period.start, period.end, user_ids)["breakdown"]


def series(kind: str, start, end, user_ids, metrics=None) -> list[dict]:
    """Return each metric per period of `kind` over [start, end), for charts.

    Read from the stored rollups where they are final (selectors.rollups).
    """
    periods, values = series_values(kind, start, end, user_ids, metrics)
    dates = [local_label(period.start) for period in periods]
    return [
        {
            "key": f"{metric_type}_{kind}",
            "title": LABELS[metric_type],
            "format": FORMATS[metric_type],
            "points": [
                {"date": date, "value": value}
                for date, value in zip(dates, points, strict=True)
            ],
        }
        for metric_type, points in values.items()
    ]


def local_label(moment: dt.datetime) -> str:
    """Return the local date of an instant, ISO formatted."""
    return timezone.localtime(moment, local_zone()).date().isoformat()


def format_value(value, fmt: str) -> str:
    """Format a figure for a sentence or a cell."""
    if value is None:
        return "n/a"
    if fmt == "percent":
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def notable_changes(
    rows: list[dict], against: str, wording: str, only_format: str | None = None
) -> list[str]:
    """Return sentences for metrics that moved notably against one comparison."""
    notes = []
    for row in rows:
        if only_format is not None and row["format"] != only_format:
            continue
        other = row["comparisons"].get(against)
        if other is None or other["change"] is None:
            continue
        delta = other["change"]
        if row["format"] == "percent":
            enough = (
                min(row["sample_size"], other["sample_size"]) >= MIN_SAMPLE_FOR_NOTES
            )
            if not enough or abs(delta) < NOTABLE_RATE_CHANGE:
                continue
            size = f"{abs(delta) * 100:.1f} points"
        else:
            base = other["value"] or 0
            if base < MIN_COUNT_FOR_NOTES or abs(delta) / base < NOTABLE_COUNT_CHANGE:
                continue
            size = f"{abs(delta) / other['value']:.0%}"
        direction = "rose" if delta > 0 else "fell"
        notes.append(
            f"{row['label']} {direction} {size} {wording} "
            f"({format_value(other['value'], row['format'])} to "
            f"{format_value(row['value'], row['format'])})."
        )
    return notes


def table(key, title, columns, rows, formats, row_formats=None) -> dict:
    """Build a report table: raw cell values, with how to show each column.

    A format is "text", "count", "decimal" or "percent", or one of the last three
    with "_change" (a signed difference); "row" and "row_change" take the row's own
    format (metric tables mix rates and counts).
    """
    data = {
        "key": key,
        "title": title,
        "columns": columns,
        "rows": rows,
        "formats": formats,
    }
    if row_formats is not None:
        data["row_formats"] = row_formats
    return data


def metric_table(
    rows: list[dict], columns: dict[str, str], key="metrics", title="Metrics"
):
    """Return the summary rows as a table: the value, then each comparison."""
    header, formats = ["Metric", "Value", "Sample size"], ["text", "row", "count"]
    for label in columns.values():
        header += [label, "Change"]
        formats += ["row", "row_change"]
    body = []
    for row in rows:
        cells = [row["label"], row["value"], row["sample_size"]]
        for name in columns:
            comparison = row["comparisons"][name]
            cells += [comparison["value"], comparison["change"]]
        body.append(cells)
    return table(key, title, header, body, formats, [row["format"] for row in rows])
