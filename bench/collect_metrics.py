"""Benchmark: collect 90 days of daily metrics on the demo data, set-based vs per user.

Run by hand, never in tests (on PostgreSQL, pass a throwaway database):

    .venv/bin/python bench/collect_metrics.py                  # SQLite in /tmp
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/collect_metrics.py

It seeds the default demo organisation (20 users, 90 days) into the benchmark
database (never the project's own), then times `collect_metrics` over the last 90
complete days (what `collect_analytics --period daily --days-back 90 --force`
does) and, as the baseline in the same run, the same figures computed one user at
a time, as a naive implementation would. It prints both wall times, their ratio and
the queries per period.
"""

import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "sqlite:////tmp/mia-bench.sqlite3"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ANALYTICS_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.analytics.periods import last_complete_period, periods_between  # noqa: E402
from apps.analytics.selectors import METRIC_SELECTORS  # noqa: E402
from apps.analytics.services.collection import collect_metrics  # noqa: E402

DAYS = 90


class QueryCounter:
    """Count the queries run on the connection, without keeping them."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def per_user_baseline(periods, user_ids) -> None:
    """Compute every metric one user at a time, as a naive implementation would."""
    for period in periods:
        for selector in METRIC_SELECTORS.values():
            for user_id in user_ids:
                selector(period.start, period.end, [user_id])


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--reset", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"seed_demo (default size): {time.perf_counter() - started:.2f} s")

    end = last_complete_period("daily")
    periods = periods_between(
        "daily", end.start - dt.timedelta(days=DAYS - 1), end.start
    )
    counted = QueryCounter()
    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        summary = collect_metrics(kind="daily", periods=periods, force=True)
        set_based = time.perf_counter() - started
    queries = counted.count

    user_ids = list(User.objects.values_list("pk", flat=True))
    counted = QueryCounter()
    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        per_user_baseline(periods, user_ids)
        baseline = time.perf_counter() - started
    baseline_queries = counted.count

    print(
        f"periods: {len(periods)}, users: {len(user_ids)}, rows: {summary.rows_written}"
    )
    print(
        f"set-based collect: {set_based:.2f} s, "
        f"{queries / len(periods):.1f} queries/period"
    )
    print(
        f"per-user baseline: {baseline:.2f} s, "
        f"{baseline_queries / len(periods):.1f} queries/period"
    )
    print(f"speed-up: {baseline / set_based:.1f}x")


if __name__ == "__main__":
    main()
