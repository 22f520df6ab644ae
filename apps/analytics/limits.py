"""Input bounds, each a named constant checked once where the input is validated."""

import datetime as dt

from django.utils import timezone

# Local days a date range (filters, exports, reports) may cover.
MAX_RANGE_DAYS = 366
# Days the dashboard's window may reach back.
MAX_DASHBOARD_DAYS = 365
# Engagement events in one batch, stored in one insert.
MAX_BATCH_EVENTS = 1000
# How far ahead of the server a client's clock may run.
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_DURATION_SECONDS = 24 * 60 * 60
# An event's metadata as json.dumps writes it: descriptive keys such as
# {"meeting_type": "discovery"}, a few levels deep. Kept small so that a full batch
# fits in one request body (MAX_EVENT_BYTES).
MAX_METADATA_BYTES = 4 * 1024
MAX_SESSION_ID_LENGTH = 128
MAX_ENTITY_LENGTH = 64
# The JSON one event takes in a request at most: its metadata, its three text
# fields written as escapes (12 bytes for a character outside the BMP, 3,072 in
# all) and the other fields and keys (about 300). settings.DATA_UPLOAD_MAX_MEMORY_SIZE
# (8 MiB) holds MAX_BATCH_EVENTS of them, the largest legitimate request.
MAX_EVENT_BYTES = MAX_METADATA_BYTES + 4 * 1024
# How old an event may be when it is tracked: clients send what they queued while
# offline; anything older is a wrong clock (1970, year 1), not an event.
MAX_EVENT_AGE = dt.timedelta(days=30)
# The first local day a date input (filters, exports, reports, --date) may name:
# the product holds nothing older, and near year 1 a time zone offset overflows.
EARLIEST_DATE = dt.date(2000, 1, 1)
# Days after today a date input may name: a filter may end ahead, but the day after
# 9999-12-31 does not exist.
MAX_FUTURE_DAYS = 366
# A rate over fewer cases than this (a 0-of-1 day) is noise to the anomaly scan and
# the insights: the point is left out of the series.
MIN_ANOMALY_DENOMINATOR = 10
# Usable points a series needs before it is scanned for anomalies or given a trend.
MIN_SERIES_POINTS = 14
# Periods ahead a forecast may reach, and the default (a week of days, a day of hours).
MAX_FORECAST_HORIZON = 90
DEFAULT_FORECAST_HORIZON = {"daily": 7, "hourly": 24}
# Days of history the scan may cover at once (the command's --days).
MAX_ANOMALY_SCAN_DAYS = 366
# The largest id a database column holds (BigAutoField); a larger one is no id.
MAX_ID = 2**63 - 1


def day_range_error(first: dt.date, last: dt.date) -> str | None:
    """Return why local days first..last (both included) are no valid range."""
    if first > last:
        return "end_date must not be before start_date."
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        return f"A date range covers at most {MAX_RANGE_DAYS} days."
    return None


def latest_date() -> dt.date:
    """Return the last local day a date input may name (today + MAX_FUTURE_DAYS)."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    return today + dt.timedelta(days=MAX_FUTURE_DAYS)


def day_bounds_error(value: dt.date | dt.datetime, name: str) -> str | None:
    """Return why a date input is outside EARLIEST_DATE..latest_date(), or None.

    A datetime is judged by its date as written, before any time zone conversion,
    since that conversion is what overflows near year 1 and year 9999.
    """
    day = value.date() if isinstance(value, dt.datetime) else value
    latest = latest_date()
    if not EARLIEST_DATE <= day <= latest:
        return f"{name} must be between {EARLIEST_DATE} and {latest}."
    return None
