"""Benchmark: the anomaly scan over 90 days of demo data, and its idempotence.

Run by hand, never in tests (on PostgreSQL, pass a throwaway database):

    .venv/bin/python bench/anomaly_scan.py                  # SQLite in /tmp
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/anomaly_scan.py
    BENCH_REUSE=1 .venv/bin/python bench/anomaly_scan.py    # keep the seeded data

It seeds the default demo organisation (20 users, 90 days) into the benchmark
database (never the project's own), collects its daily and hourly rollups
(`collect_analytics --period daily|hourly --days-back 90`), then times
`scan_anomalies` over the 90 days (what `detect_anomalies --days 90` does) twice:
the second run must record nothing. The acceptance bound is 30 s on SQLite.
"""

import datetime as dt
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "sqlite:////tmp/mia-anomaly-bench.sqlite3"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ANALYTICS_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.analytics.models import Anomaly, PerformanceMetric  # noqa: E402
from apps.analytics.services.insights import scan_anomalies  # noqa: E402

DAYS = 90
BOUND_SECONDS = 30


def seed() -> None:
    quiet = open(os.devnull, "w")  # noqa: SIM115
    started = time.perf_counter()
    call_command("seed_demo", "--reset", stdout=quiet)
    print(f"seed_demo (default size): {time.perf_counter() - started:.1f} s")
    for period in ("daily", "hourly"):
        started = time.perf_counter()
        call_command(
            "collect_analytics",
            "--period",
            period,
            "--days-back",
            str(DAYS),
            stdout=quiet,
        )
        print(f"collect_analytics {period}: {time.perf_counter() - started:.1f} s")


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    if not (os.environ.get("BENCH_REUSE") and PerformanceMetric.objects.exists()):
        seed()
    Anomaly.objects.all().delete()
    now = timezone.now()
    since = now - dt.timedelta(days=DAYS)
    timings = []
    for run in (1, 2):
        started = time.perf_counter()
        summary = scan_anomalies(since=since, now=now)
        timings.append(time.perf_counter() - started)
        print(
            f"scan {run}: {timings[-1]:.2f} s, {summary.series} series, "
            f"{summary.points} points, {summary.found} found, "
            f"{summary.recorded} recorded"
        )
    assert summary.recorded == 0, "the second scan recorded rows: not idempotent"
    kinds = Counter(Anomaly.objects.values_list("series_kind", "severity").iterator())
    print("anomalies by series kind and severity:", dict(sorted(kinds.items())))
    verdict = "within" if timings[0] < BOUND_SECONDS else "OVER"
    print(f"first scan {timings[0]:.2f} s: {verdict} the {BOUND_SECONDS} s bound")


if __name__ == "__main__":
    main()
