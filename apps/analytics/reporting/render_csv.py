"""A report as CSV: every table in turn, readable in a spreadsheet and by `csv`."""

import csv
import io

from apps.analytics.export_formats import csv_safe_text

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _cell(value):
    """Return a cell as written: text made safe, figures as they are, None empty.

    report_data keeps figures as JSON numbers (a table's `formats` say how to show
    them) and names as strings, so the type tells text from a number: a negative
    change stays a number, a name starting with "=" or "-" cannot run as a formula.
    """
    if value is None:
        return ""
    return csv_safe_text(value) if isinstance(value, str) else value


def _row(cells) -> list:
    return [_cell(cell) for cell in cells]


def report_csv(report_data: dict) -> str:
    """Return the report's tables as one CSV document.

    Each table is a block: a row naming it, its header row, its rows, a blank row.
    Cells are raw values (rates as fractions of 1), empty where undefined; text
    that would start a spreadsheet formula gets a leading quote.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_row([report_data.get("title", "Report")]))
    period = report_data.get("period", {})
    writer.writerow(
        _row(
            [
                "Period",
                period.get("label", ""),
                period.get("start", ""),
                period.get("end", ""),
            ]
        )
    )
    writer.writerow([])
    for table in report_data.get("tables", []):
        writer.writerow(_row([table["title"]]))
        writer.writerow(_row(table["columns"]))
        for row in table["rows"]:
            writer.writerow(_row(row))
        writer.writerow([])
    if report_data.get("notes"):
        writer.writerow(["Notes"])
        for note in report_data["notes"]:
            writer.writerow(_row([note]))
    return out.getvalue()


def report_filename(report, extension: str) -> str:
    """Return a download name like `daily_summary-2026-11-27.csv`."""
    label = (
        report.report_data.get("period", {}).get("label")
        or f"{report.period_start:%Y-%m-%d}"
    )
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in label)
    return f"{report.report_type}-{safe}.{extension}"
