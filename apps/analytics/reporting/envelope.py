"""The common frame of every report's data."""

from django.conf import settings

from apps.analytics.reporting import SCHEMA_VERSION


def envelope(report_type, title, start, end, label, scope) -> dict:
    """Return report_data with its frame filled and the content parts empty."""
    return {
        "schema_version": SCHEMA_VERSION,
        "report_type": report_type,
        "title": title,
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "label": label,
            "time_zone": settings.TIME_ZONE,
        },
        "scope": scope.as_dict(),
        "summary": [],
        "sections": {},
        "tables": [],
        "series": [],
        "notes": [],
    }
