"""The export writers: CSV cells a spreadsheet never runs as a formula."""

import csv
import io

import pytest

from apps.analytics.export_formats import csv_lines, csv_safe_text
from apps.analytics.models import SystemHealthMetric


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("", ""),
        ("plain", "plain"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("'quoted", "'quoted"),
    ],
)
def test_csv_safe_text_prefixes_a_quote_to_what_starts_a_formula(text, written):
    assert csv_safe_text(text) == written


def test_csv_lines_neutralise_text_columns_only():
    columns = ("component", "unit", "value", "higher_is_worse", "metadata")
    rows = [("=cmd", "-ms", -3.5, False, {"k": "=x"}), ("db", None, -0.0, True, -1)]

    text = "".join(csv_lines(SystemHealthMetric, columns, rows))

    assert list(csv.reader(io.StringIO(text))) == [
        list(columns),
        ["'=cmd", "'-ms", "-3.5", "false", '{"k":"=x"}'],
        # A JSON number is JSON text, and a number to a spreadsheet.
        ["db", "", "-0.0", "true", "-1"],
    ]
