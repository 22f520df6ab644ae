import datetime as dt
from zoneinfo import ZoneInfo

from apps.core.testing import TEST_TIME_ZONE


def local(day: str, hour: int = 0, minute: int = 0, *, fold: int = 0) -> dt.datetime:
    """Return an aware time on `day` (YYYY-MM-DD) in the tests' organisation zone."""
    date = dt.date.fromisoformat(day)
    return dt.datetime(
        date.year,
        date.month,
        date.day,
        hour,
        minute,
        tzinfo=ZoneInfo(TEST_TIME_ZONE),
        fold=fold,
    )
