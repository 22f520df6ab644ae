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


def day_range_error(first: dt.date, last: dt.date) -> str | None:
    """Return why local days first..last (both included) are no valid range."""
    if first > last:
        return "end_date must not be before start_date."
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        return f"A date range covers at most {MAX_RANGE_DAYS} days."
    return None
