"""Benchmark: the retention cleanup of 1M engagement events, batched vs one DELETE.

Run by hand, never in tests, on a throwaway PostgreSQL database (it empties the
engagement table and seeds it with COPY, which SQLite lacks):

    createdb -h 127.0.0.1 -U postgres mia_cleanup_bench
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mia_cleanup_bench \\
        .venv/bin/python bench/cleanup.py
    dropdb -h 127.0.0.1 -U postgres mia_cleanup_bench

It COPYs 1,000,000 engagement events (BENCH_ROWS) in time order, 90% of them older
than the 90-day cutoff, and clones the table with its indexes. It then runs
`cleanup_old_data` on the engagement table (batches of BATCH_SIZE, each committed)
and, as the baseline in the same run, a single `DELETE ... WHERE timestamp <
cutoff` on the clone. It prints rows removed per second for both and their ratio,
the longest batch DELETE (how long the cleanup holds its row locks at most) against
the single DELETE's duration, and the peak memory the cleanup added to the process.
About 2 minutes on 2 cores, most of it seeding and cloning.
"""

import datetime as dt
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    sys.exit("Set BENCH_DATABASE_URL to a throwaway PostgreSQL database (see above).")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# DEBUG keeps the SQL of every query: memory the cleanup itself does not use.
os.environ["DJANGO_DEBUG"] = "false"
os.environ["ANALYTICS_RETENTION_DAYS"] = "90"
os.environ.setdefault("ANALYTICS_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.analytics.models import UserEngagementMetric  # noqa: E402
from apps.analytics.services import retention  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
OLD_SHARE = 0.9
USERS = 20
TABLE = UserEngagementMetric._meta.db_table
CLONE = "bench_engagement_clone"
COLUMNS = (
    "user_id",
    "engagement_type",
    "session_id",
    "duration_seconds",
    "entity_type",
    "entity_id",
    "metadata",
    "timestamp",
    "created_at",
    "event_id",
)


def seed(now: dt.datetime, cutoff: dt.datetime) -> int:
    """COPY ROWS events in time order, OLD_SHARE of them before the cutoff."""
    user_ids = [
        User.objects.get_or_create(username=f"bench-{n}")[0].pk for n in range(USERS)
    ]
    old = int(ROWS * OLD_SHARE)
    # Old events spread over the 270 days before the cutoff, new ones after it.
    old_step = dt.timedelta(days=270) / old
    new_step = (now - cutoff) / (ROWS - old)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {TABLE} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for i in range(ROWS):
                if i < old:
                    when = cutoff - dt.timedelta(days=270) + i * old_step
                else:
                    when = cutoff + (i - old) * new_step
                copy.write_row(
                    (
                        user_ids[i % USERS],
                        "meeting_view",
                        f"session-{i // 20}",
                        float(i % 600),
                        "meeting",
                        str(i % 1000),
                        f'{{"i": {i}, "source": "bench"}}',
                        when,
                        when,
                        uuid.uuid4(),
                    )
                )
    return old


def clone_table() -> None:
    """Copy the table, indexes and constraints included, for the baseline."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {CLONE}")
        cursor.execute(f"CREATE TABLE {CLONE} (LIKE {TABLE} INCLUDING ALL)")
        cursor.execute(f"INSERT INTO {CLONE} SELECT * FROM {TABLE}")  # noqa: S608
        for table in (TABLE, CLONE):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CHECKPOINT")


class DeleteTimer:
    """Time each DELETE statement run on the connection."""

    def __init__(self):
        self.seconds = []

    def __call__(self, execute, sql, params, many, context):
        if not sql.startswith("DELETE"):
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds.append(time.perf_counter() - started)


def memory_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def reset_peak_memory() -> bool:
    """Restart VmHWM (the peak RSS) from the current RSS; Linux only."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"database: PostgreSQL {version} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    now = timezone.now()
    cutoff = retention.cutoff_for(90, now)

    started = time.perf_counter()
    old = seed(now, cutoff)
    print(
        f"COPY {ROWS:,} events ({old:,} older than the cutoff): "
        f"{time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    clone_table()
    print(
        f"clone the table and VACUUM ANALYZE both: "
        f"{time.perf_counter() - started:.1f} s"
    )

    deletes = DeleteTimer()
    peak_known = reset_peak_memory()
    rss_before = memory_kb("VmRSS")
    with connection.execute_wrapper(deletes):
        summary = retention.cleanup_old_data(
            method="CLI", path="bench/cleanup.py", tables=["engagement"], now=now
        )
    [events] = summary.tables
    assert events.removed == old, (events.removed, old)
    assert UserEngagementMetric.objects.count() == ROWS - old
    grown_mb = (memory_kb("VmHWM") - rss_before) / 1024

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            f"DELETE FROM {CLONE} WHERE timestamp < %s",  # noqa: S608
            [cutoff],
        )
        single = time.perf_counter() - started
        assert cursor.rowcount == old, (cursor.rowcount, old)
        cursor.execute(f"DROP TABLE {CLONE}")

    batched_rate = events.removed / events.seconds
    single_rate = old / single
    print(
        f"cleanup, batches of {retention.BATCH_SIZE:,}: {events.removed:,} rows in "
        f"{events.seconds:.1f} s = {batched_rate:,.0f} rows/s "
        f"({events.batches} batches)"
    )
    print(
        f"baseline, one DELETE: {old:,} rows in {single:.1f} s = "
        f"{single_rate:,.0f} rows/s"
    )
    print(f"batched / single rate: {batched_rate / single_rate:.2f}x")
    print(
        f"row locks held: longest batch DELETE {max(deletes.seconds) * 1000:.0f} ms "
        f"(median {statistics.median(deletes.seconds) * 1000:.0f} ms) vs "
        f"{single:.1f} s for the single DELETE"
    )
    if peak_known:
        print(f"peak memory added by the cleanup: {grown_mb:.1f} MB")


if __name__ == "__main__":
    main()
