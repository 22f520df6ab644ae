"""Benchmark: the cost of track_user_engagement, and the dashboard cache's hit rate.

Run by hand against a throwaway database (and Redis, to measure the production path):

    createdb -h 127.0.0.1 -U postgres mia_bench
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mia_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/realtime.py

Without BENCH_DATABASE_URL it uses SQLite in /tmp and the local-memory cache.
1. Tracking: the mean cost per call of `track_user_engagement` over 10,000 calls,
   against the baseline measured in the same run: a bare ORM insert of the same
   event (what storing costs without validation, dedupe and live counters).
2. Cache: a dashboard-like function decorated with `cache_analytics_result`, called
   by every demo user for 7 and 30 days, 20 rounds, with a source-data change (which
   invalidates dashboards) every 5 rounds; prints the hit rate and cold/warm latency.
"""

import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "sqlite:////tmp/mia-bench.sqlite3"
)
if os.environ.get("BENCH_REDIS_URL"):
    os.environ["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
else:
    os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ANALYTICS_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.analytics.cache import AnalyticsCache, cache_analytics_result  # noqa: E402
from apps.analytics.models import UserEngagementMetric  # noqa: E402
from apps.analytics.services import (  # noqa: E402
    AnalyticsService,
    RealTimeAnalyticsCollector,
)
from apps.crm.models import CRMSyncLog  # noqa: E402

CALLS = 10_000


@cache_analytics_result("dashboard")
def dashboard(user_id, days=7):
    """Compute what a dashboard shows: every metric for the caller's window."""
    end = timezone.now()
    start = end - timezone.timedelta(days=days)
    service = AnalyticsService()
    return {
        name: getattr(service, name)(start, end, user=user_id).value
        for name in (
            "calculate_debriefing_completion_rate",
            "calculate_data_extraction_accuracy",
            "calculate_meeting_detection_accuracy",
            "calculate_participant_matching_accuracy",
            "calculate_crm_sync_success_rate",
            "calculate_user_engagement_metrics",
        )
    }


def bench_tracking(user) -> None:
    now = timezone.now()
    started = time.perf_counter()
    for n in range(CALLS):
        UserEngagementMetric.objects.create(
            user=user,
            engagement_type="meeting_view",
            session_id=f"bench-{n // 20}",
            entity_type="meeting",
            entity_id=str(n),
            timestamp=now,
            event_id=uuid.uuid4(),
        )
    baseline = (time.perf_counter() - started) / CALLS * 1e6

    started = time.perf_counter()
    for n in range(CALLS):
        RealTimeAnalyticsCollector.track_user_engagement(
            user=user,
            engagement_type="meeting_view",
            session_id=f"bench-{n // 20}",
            entity_type="meeting",
            entity_id=n,
            event_id=uuid.uuid4(),
        )
    tracked = (time.perf_counter() - started) / CALLS * 1e6
    print(f"bare ORM insert (baseline): {baseline:.0f} us/event")
    print(f"track_user_engagement:      {tracked:.0f} us/event")
    print(f"ratio to baseline: {tracked / baseline:.2f}x")


def bench_dashboard_cache() -> None:
    user_ids = list(User.objects.values_list("pk", flat=True))
    before = AnalyticsCache.stats()["dashboard"]
    cold, warm = [], []
    for round_number in range(20):
        if round_number % 5 == 4:
            # A debriefing or sync changes: signals invalidate every dashboard.
            log = CRMSyncLog.objects.order_by("-attempted_at").first()
            log.save()
        for user_id in user_ids:
            for days in (7, 30):
                hits = AnalyticsCache.stats()["dashboard"]["hits"]
                started = time.perf_counter()
                dashboard(user_id, days=days)
                elapsed = (time.perf_counter() - started) * 1000
                cached = AnalyticsCache.stats()["dashboard"]["hits"] > hits
                (warm if cached else cold).append(elapsed)
    after = AnalyticsCache.stats()["dashboard"]
    hits = after["hits"] - before["hits"]
    misses = after["misses"] - before["misses"]
    print(f"dashboard calls: {len(cold) + len(warm)}")
    print(f"dashboard cache hit rate: {hits / (hits + misses):.1%}")
    print(
        f"dashboard latency: cold {statistics.median(cold):.1f} ms, "
        f"warm {statistics.median(warm):.2f} ms (medians)"
    )


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    backend = "redis" if os.environ.get("REDIS_URL") else "locmem"
    print(f"database: {connection.vendor}, cache: {backend}")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--reset", stdout=open(os.devnull, "w"))  # noqa: SIM115
    cache.clear()
    bench_tracking(User.objects.get(username="member"))
    bench_dashboard_cache()


if __name__ == "__main__":
    main()
