"""A report as HTML: formatted figures, inline SVG charts, the page and the email."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.analytics.reporting import render_csv

# A true minus sign: a hyphen reads as a dash and breaks the column's alignment.
MINUS = "\u2212"
NO_DATA = "No data for this period"
CHART_MARGIN = {"left": 44, "right": 14, "top": 12, "bottom": 24}
LINE, MUTED = "#2563eb", "#6b7280"


def format_cell(value, fmt, row_format=None) -> str:
    """Format one raw report value for reading, by its table or summary format."""
    if fmt == "row":
        fmt = row_format or "text"
    elif fmt == "row_change":
        fmt = f"{row_format or 'count'}_change"
    if fmt == "text":
        return "" if value is None else str(value)
    if value is None:
        return "n/a"
    # bool is an int; anything else non-numeric is shown as it came.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if fmt == "count":
        return _count(value)
    if fmt == "decimal":
        return f"{value:,.1f}"
    if fmt == "percent":
        return f"{value * 100:.1f}%"
    if fmt == "percent_change":
        return _signed(round(value * 100, 1), f"{abs(value) * 100:.1f}") + " pts"
    if fmt == "count_change":
        return _signed(value, _count(abs(value)))
    if fmt == "decimal_change":
        return _signed(round(value, 1), f"{abs(value):,.1f}")
    return str(value)


def _count(value) -> str:
    """Format a count: thousands separated, one decimal only when not whole."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _signed(value, magnitude: str) -> str:
    """Prefix a magnitude with the sign of `value` (none for zero)."""
    if value > 0:
        return f"+{magnitude}"
    if value < 0:
        return f"{MINUS}{magnitude}"
    return magnitude


def svg_line_chart(series: dict, width=560, height=160) -> SafeString:
    """Draw a series as an inline SVG line chart, with gaps where undefined."""
    title = series.get("title") or series.get("key") or "Chart"
    points = series.get("points") or []
    values = [p["value"] for p in points if p.get("value") is not None]
    if not values:
        return format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="48" '
            'viewBox="0 0 {} 48" role="img" aria-label="{}: {}"><title>{}</title>'
            '<text x="{}" y="28" text-anchor="middle" font-size="13" '
            'fill="{}">{}</text></svg>',
            width,
            width,
            title,
            NO_DATA,
            title,
            width / 2,
            MUTED,
            NO_DATA,
        )
    fmt = series.get("format") or "count"
    m = CHART_MARGIN
    plot_w = width - m["left"] - m["right"]
    plot_h = height - m["top"] - m["bottom"]
    # Rates always span 0..100% so two charts of rates compare at a glance.
    top = max(1.0, *values) if fmt == "percent" else (max(0, *values) or 1)
    bottom = min(0, *values)

    def x(i):
        if len(points) == 1:
            return round(m["left"] + plot_w / 2, 1)
        return round(m["left"] + i * plot_w / (len(points) - 1), 1)

    def y(v):
        return round(m["top"] + plot_h * (1 - (v - bottom) / (top - bottom)), 1)

    parts = []
    for level in (bottom, (bottom + top) / 2, top):
        label = f"{level * 100:.0f}%" if fmt == "percent" else format_cell(level, fmt)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e5e7eb"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">'
                "{}</text>",
                m["left"],
                width - m["right"],
                y(level),
                y(level),
                m["left"] - 6,
                y(level) + 4,
                MUTED,
                label,
            )
        )
    for segment in _segments(points):
        coords = " ".join(f"{x(i)},{y(v)}" for i, v in segment)
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2" '
                'stroke-linejoin="round"/>',
                coords,
                LINE,
            )
        )
        # Dots keep a lone point (a segment of one) visible.
        parts += [
            format_html('<circle cx="{}" cy="{}" r="2.5" fill="{}"/>', x(i), y(v), LINE)
            for i, v in segment
        ]
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" '
        'viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>{}'
        '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>'
        "</svg>",
        width,
        height,
        width,
        height,
        _aria_label(title, points, fmt),
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
        m["left"],
        height - 6,
        MUTED,
        points[0].get("date", ""),
        width - m["right"],
        height - 6,
        MUTED,
        points[-1].get("date", ""),
    )


def _segments(points) -> list[list[tuple[int, float]]]:
    """Split points into runs of defined values, as (index, value) pairs."""
    runs, run = [], []
    for i, point in enumerate(points):
        if point.get("value") is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((i, point["value"]))
    if run:
        runs.append(run)
    return runs


def _aria_label(title, points, fmt) -> str:
    """Describe the chart in words: what, over which dates, the latest value."""
    latest = next(p for p in reversed(points) if p.get("value") is not None)
    return (
        f"{title}, {points[0].get('date', '')} to {points[-1].get('date', '')}; "
        f"latest {format_cell(latest['value'], fmt)} on {latest.get('date', '')}"
    )


def humanise(name: str) -> str:
    """Turn a comparison key like `same_day_last_week` into words."""
    return name.replace("_", " ")


def headline_cards(summary: list[dict]) -> list[dict]:
    """Return each summary figure formatted, with its comparisons in words."""
    cards = []
    for row in summary:
        fmt = row.get("format") or "count"
        comparisons = []
        for name, other in (row.get("comparisons") or {}).items():
            figures = format_cell(other.get("value"), fmt)
            if other.get("value") is not None:
                figures += f" ({format_cell(other.get('change'), 'row_change', fmt)})"
            comparisons.append(
                {
                    "name": f"vs {humanise(name)}",
                    "figures": figures,
                    "text": f"vs {humanise(name)}: {figures}",
                    "direction": _direction(other.get("change")),
                }
            )
        cards.append(
            {
                "label": row.get("label") or row.get("metric_type", ""),
                "value": format_cell(row.get("value"), fmt),
                "basis": _basis(row, fmt),
                "comparisons": comparisons,
            }
        )
    return cards


def _direction(change) -> str:
    """Name the direction of a change, for styling."""
    if not change:
        return "flat"
    return "up" if change > 0 else "down"


def _basis(row, fmt) -> str:
    """Say what a rate rests on, like "45 of 54"; counts speak for themselves."""
    numerator, denominator = row.get("numerator"), row.get("denominator")
    if fmt != "percent" or numerator is None or not denominator:
        return ""
    return f"{format_cell(numerator, 'count')} of {format_cell(denominator, 'count')}"


def formatted_tables(tables: list[dict]) -> list[dict]:
    """Return tables with every cell formatted and marked numeric or not."""
    result = []
    for table in tables:
        formats = table.get("formats") or []
        row_formats = table.get("row_formats") or []
        rows = []
        for r, row in enumerate(table.get("rows") or []):
            row_format = row_formats[r] if r < len(row_formats) else None
            cells = []
            for c, value in enumerate(row):
                fmt = formats[c] if c < len(formats) else "text"
                cells.append(
                    {
                        "text": format_cell(value, fmt, row_format),
                        "numeric": fmt != "text",
                    }
                )
            rows.append(cells)
        numeric = [fmt != "text" for fmt in formats]
        columns = [
            {"title": title, "numeric": numeric[c] if c < len(numeric) else False}
            for c, title in enumerate(table.get("columns") or [])
        ]
        result.append(
            {
                "key": table.get("key"),
                "title": table.get("title", ""),
                "columns": columns,
                "rows": rows,
            }
        )
    return result


def content_context(report) -> dict:
    """Return what the page and the email both show: frame, figures, notes, tables."""
    data = report.report_data or {}
    return {
        "report": report,
        "title": data.get("title") or report.title,
        "period": data.get("period") or {},
        "scope": data.get("scope") or {},
        "status": report.status,
        "status_label": report.get_status_display(),
        "cards": headline_cards(data.get("summary") or []),
        "notes": data.get("notes") or [],
        "tables": formatted_tables(data.get("tables") or []),
    }


def report_context(report) -> dict:
    """Return the report page's template context."""
    data = report.report_data or {}
    return content_context(report) | {
        "charts": [
            {"title": series.get("title", ""), "svg": svg_line_chart(series)}
            for series in data.get("series") or []
        ],
        "deliveries": [
            {
                "recipient": delivery.recipient,
                "status": delivery.get_status_display(),
                "attempts": delivery.attempts,
                "last_error": delivery.last_error,
                "sent_at": delivery.sent_at,
            }
            for delivery in report.deliveries.all()
        ],
        "links": {
            "html": reverse("analytics:report-detail", args=[report.pk]),
            "json": reverse("analytics:report-json", args=[report.pk]),
            "csv": reverse("analytics:report-csv", args=[report.pk]),
        },
    }


def render_email_html(report, report_url: str | None = None) -> str:
    """Render the report as email-safe HTML: inline styles, tables, no charts."""
    context = content_context(report) | {
        "csv_filename": render_csv.report_filename(report, "csv"),
        "report_url": report_url,
    }
    return render_to_string("analytics/email/report.html", context)
