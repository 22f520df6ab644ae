"""A report as CSV: text cells never start a formula; figures stay numbers."""

import csv
import io

from apps.analytics.reporting.render_csv import report_csv


def rows_of(report_data: dict) -> list[list[str]]:
    return list(csv.reader(io.StringIO(report_csv(report_data))))


def test_names_from_stored_data_are_neutralised_and_figures_kept():
    data = {
        "title": "=User activity: @attacker",
        "period": {"label": "2026-W48", "start": "2026-11-23", "end": "2026-11-30"},
        "tables": [
            {
                "title": "Competitors",
                "columns": ["Competitor", "Mentions", "Change"],
                "rows": [
                    ["=cmd|' /C calc'!A0", 3, -2],
                    ["+Acme", 1, None],
                    ["Globex", 0, -0.5],
                ],
                "formats": ["text", "count", "count_change"],
            },
            {
                "title": "People",
                "columns": ["User", "Completion", "Change"],
                "rows": [["-rep", 0.75, -3.5], ["\tamy", 1.0, 0.0]],
                "formats": ["text", "percent", "percent_change"],
            },
        ],
        "notes": ["@note that starts like a formula", "Completion fell 3.5 points."],
    }

    assert rows_of(data) == [
        ["'=User activity: @attacker"],
        ["Period", "2026-W48", "2026-11-23", "2026-11-30"],
        [],
        ["Competitors"],
        ["Competitor", "Mentions", "Change"],
        ["'=cmd|' /C calc'!A0", "3", "-2"],
        ["'+Acme", "1", ""],
        ["Globex", "0", "-0.5"],
        [],
        ["People"],
        ["User", "Completion", "Change"],
        ["'-rep", "0.75", "-3.5"],
        ["'\tamy", "1.0", "0.0"],
        [],
        ["Notes"],
        ["'@note that starts like a formula"],
        ["Completion fell 3.5 points."],
    ]
