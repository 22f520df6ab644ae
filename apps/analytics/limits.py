"""Input bounds, each a named constant checked once where the input is validated."""

import datetime as dt

# Local days a date range (filters, exports, reports) may cover.
MAX_RANGE_DAYS = 366
# Days the dashboard's window may reach back.
MAX_DASHBOARD_DAYS = 365
# Engagement events in one batch, stored in one insert.
MAX_BATCH_EVENTS = 1000
# How far ahead of the server a client's clock may run.
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_DURATION_SECONDS = 24 * 60 * 60
MAX_METADATA_BYTES = 16 * 1024
MAX_SESSION_ID_LENGTH = 128
MAX_ENTITY_LENGTH = 64


def day_range_error(first: dt.date, last: dt.date) -> str | None:
    """Return why local days first..last (both included) are no valid range."""
    if first > last:
        return "end_date must not be before start_date."
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        return f"A date range covers at most {MAX_RANGE_DAYS} days."
    return None
