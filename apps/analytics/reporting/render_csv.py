"""A report as CSV: every table in turn, readable in a spreadsheet and by `csv`."""

import csv
import io

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def report_csv(report_data: dict) -> str:
    """Return the report's tables as one CSV document.

    Each table is a block: a row naming it, its header row, its rows, a blank row.
    Cells are raw values (rates as fractions of 1), empty where undefined.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([report_data.get("title", "Report")])
    period = report_data.get("period", {})
    writer.writerow(
        [
            "Period",
            period.get("label", ""),
            period.get("start", ""),
            period.get("end", ""),
        ]
    )
    writer.writerow([])
    for table in report_data.get("tables", []):
        writer.writerow([table["title"]])
        writer.writerow(table["columns"])
        for row in table["rows"]:
            writer.writerow(["" if cell is None else cell for cell in row])
        writer.writerow([])
    if report_data.get("notes"):
        writer.writerow(["Notes"])
        for note in report_data["notes"]:
            writer.writerow([note])
    return out.getvalue()


def report_filename(report, extension: str) -> str:
    """Return a download name like `daily_summary-2026-11-27.csv`."""
    label = (
        report.report_data.get("period", {}).get("label")
        or f"{report.period_start:%Y-%m-%d}"
    )
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in label)
    return f"{report.report_type}-{safe}.{extension}"
