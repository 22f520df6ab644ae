"""Benchmark: memory of the streamed CSV export, 10k vs 1M rows, vs building it whole.

Run by hand, never in tests (on PostgreSQL, pass a throwaway database: the
benchmark empties its engagement table):

    .venv/bin/python bench/export_memory.py                  # SQLite in /tmp
    createdb -h 127.0.0.1 -U postgres mia_export_bench
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mia_export_bench \\
        .venv/bin/python bench/export_memory.py
    dropdb -h 127.0.0.1 -U postgres mia_export_bench

It fills the engagement table with 10,000 rows, measures, grows it to 1,000,000
(BENCH_LARGE_ROWS) and measures again. Each measurement runs in a fresh child
process after a warm-up export of no rows: the CSV export streamed through
ExportView as an admin, each chunk counted and dropped; and, as the baseline at
10,000 rows, the same CSV built whole in memory from a list of the rows, as a view
without streaming would. It prints the child's peak RSS and its growth over the
warmed-up process, then, from a second, traced run of the same export,
tracemalloc's peak (Python objects only). About 7 minutes on 2 cores with
PostgreSQL: 2 to insert the rows, 1 for the 1M-row export, 3-4 for it traced
(BENCH_LARGE_ROWS=200000 for a quick run).
"""

import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "sqlite:////tmp/mia-export-bench.sqlite3"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# DEBUG keeps the SQL of recent queries: megabytes of bulk inserts, not the export's.
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("ANALYTICS_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from rest_framework.test import force_authenticate  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from apps.analytics.api.export import ExportView  # noqa: E402
from apps.analytics.export_formats import CSV_CONTENT_TYPE, csv_lines  # noqa: E402
from apps.analytics.models import UserEngagementMetric  # noqa: E402
from apps.analytics.selectors.export import DATASETS  # noqa: E402

SMALL_ROWS = 10_000
LARGE_ROWS = int(os.environ.get("BENCH_LARGE_ROWS", 1_000_000))
INSERT_BATCH = 10_000
URL = "/api/v1/analytics/export/"
FIRST_EVENT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def seed(total: int) -> float:
    """Grow the engagement table to `total` rows; return the seconds it took."""
    member, _ = User.objects.get_or_create(username="bench-member")
    have = UserEngagementMetric.objects.count()
    started = time.perf_counter()
    while have < total:
        count = min(INSERT_BATCH, total - have)
        UserEngagementMetric.objects.bulk_create(
            UserEngagementMetric(
                user=member,
                engagement_type="meeting_view",
                session_id=f"session-{i % 500}",
                duration_seconds=float(i % 600),
                entity_type="meeting",
                entity_id=str(i % 1000),
                metadata={"i": i, "source": "bench"},
                timestamp=FIRST_EVENT + dt.timedelta(seconds=i),
            )
            for i in range(have, have + count)
        )
        have += count
    return time.perf_counter() - started


def peak_rss_mb() -> float:
    """Return this process's peak RSS in MiB."""
    # Linux keeps ru_maxrss across exec, so a child would report its parent's peak
    # (the seeding process's) whenever that is higher; VmHWM starts afresh at exec.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def streamed(admin, **params) -> int:
    """Export through the view, dropping each chunk; return the bytes sent."""
    request = RequestFactory().get(
        URL, {"format": "csv", "dataset": "engagement", **params}
    )
    force_authenticate(request, user=admin)
    response = ExportView.as_view()(request)
    assert response.status_code == 200, response.status_code
    sent = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    return sent


def in_memory(admin) -> int:
    """Build the same CSV whole from a list of the rows; return its size."""
    dataset = DATASETS["engagement"]
    rows = list(
        UserEngagementMetric.objects.order_by(dataset.date_field, "pk").values_list(
            *dataset.columns
        )
    )
    response = HttpResponse(
        "".join(csv_lines(dataset.model, dataset.columns, rows)),
        content_type=CSV_CONTENT_TYPE,
    )
    return len(response.content)


def measure(mode: str) -> None:
    """Run one export in this (child) process and print its figures as JSON."""
    admin = User.objects.get(username="bench-admin")
    export = streamed if mode == "stream" else in_memory
    # Warm up on a day with no rows: imports, settings and the connection are then
    # part of the baseline, not of the export.
    streamed(admin, start_date="2000-01-01", end_date="2000-01-01")
    before = peak_rss_mb()
    started = time.perf_counter()
    size = export(admin)
    seconds = time.perf_counter() - started
    after = peak_rss_mb()
    # Traced again, apart: tracemalloc slows the run several times over and its
    # own bookkeeping would count in the RSS above.
    tracemalloc.start()
    export(admin)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures = {
        "bytes": size,
        "seconds": seconds,
        "rss_mb": after,
        "rss_growth_mb": after - before,
        "traced_mb": traced_peak / 2**20,
    }
    print(json.dumps(figures))


def child(mode: str) -> dict:
    """Measure `mode` in a fresh process, so the peak RSS is that export's alone."""
    # This script itself, with a mode from main(): no outside input.
    result = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--measure", mode],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(label: str, rows: int, figures: dict) -> None:
    print(
        f"{label:<14} {rows:>9,} rows: {figures['bytes'] / 2**20:7.1f} MB of CSV in "
        f"{figures['seconds']:6.1f} s | peak RSS {figures['rss_mb']:6.1f} MB "
        f"(+{figures['rss_growth_mb']:6.1f} MB over the warm process) | "
        f"tracemalloc peak {figures['traced_mb']:7.2f} MB"
    )


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x"


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    UserEngagementMetric.objects.all().delete()
    User.objects.update_or_create(username="bench-admin", defaults={"role": Role.ADMIN})

    print(f"seed {SMALL_ROWS:,} rows: {seed(SMALL_ROWS):.1f} s")
    small = child("stream")
    whole = child("in-memory")
    assert small["bytes"] == whole["bytes"], "the two CSVs differ"
    print(f"seed up to {LARGE_ROWS:,} rows: {seed(LARGE_ROWS):.1f} s")
    large = child("stream")

    report("streamed", SMALL_ROWS, small)
    report("streamed", LARGE_ROWS, large)
    report("built in memory", SMALL_ROWS, whole)
    print(
        f"streamed {LARGE_ROWS:,} vs {SMALL_ROWS:,} rows: peak RSS "
        f"{ratio(large['rss_mb'], small['rss_mb'])}, tracemalloc peak "
        f"{ratio(large['traced_mb'], small['traced_mb'])}"
    )
    print(
        f"built in memory vs streamed, {SMALL_ROWS:,} rows: RSS growth "
        f"+{whole['rss_growth_mb']:.1f} vs +{small['rss_growth_mb']:.1f} MB, "
        f"tracemalloc peak {ratio(whole['traced_mb'], small['traced_mb'])}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2])
    else:
        main()
