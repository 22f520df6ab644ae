"""Report contents: one builder per report type over shared figures and tables.

Every builder returns `report_data` in one documented shape (schema version 1):

    {
      "schema_version": 1,
      "report_type": "daily_summary" | "weekly_performance" | ...,
      "title": str,
      "period": {"start": ISO, "end": ISO, "label": str, "time_zone": str},
      "scope": {"kind": "organisation" | "team" | "user", "label": str,
                "user_ids": [int] | null},
      "summary": [{"metric_type", "label", "format", "value", "numerator",
                   "denominator", "sample_size", "comparisons": {name: {"value",
                   "change"}}}],
      "sections": {name: type-specific data},
      "tables": [{"key", "title", "columns": [str], "rows": [[cell]]}],
      "series": [{"key", "title", "format", "points": [{"date", "value"}]}],
      "notes": [str]   # notable changes, in plain sentences
    }

Values are raw numbers (rates in [0, 1], counts as numbers, None where undefined);
renderers format them by "format" ("percent" or "count"). HTML, CSV and email are
rendered from "summary", "tables", "series" and "notes" alone.
"""

SCHEMA_VERSION = 1
