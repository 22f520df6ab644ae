"""Benchmark: what encrypting engagement metadata costs `track_user_engagement`.

Run by hand against a throwaway database (and Redis, to measure the production path):

    createdb -h 127.0.0.1 -U postgres mia_bench
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mia_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/encryption.py

Without BENCH_DATABASE_URL it uses SQLite in /tmp and the local-memory cache.
The mean cost per call of `track_user_engagement` over 5,000 calls with the
metadata encrypted (as stored) and 5,000 with encryption switched off in the same
process (the field's encrypt step replaced by the identity: same column, same
code path otherwise), interleaved in rounds of 250 so that drift in the machine
or the database hits both alike. Each is given in wall-clock time and in this
process's CPU time (which leaves out waiting for the database's disk, the noisiest
part on a shared machine). Then what encryption adds alone: the CPU time of
preparing the metadata for the database, encrypted and not.
"""

import contextlib
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "sqlite:////tmp/mia-bench-encryption.sqlite3"
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

from apps.accounts.models import User  # noqa: E402
from apps.analytics.models import UserEngagementMetric  # noqa: E402
from apps.analytics.services import RealTimeAnalyticsCollector  # noqa: E402
from apps.core import encryption  # noqa: E402

CALLS = 5_000
ROUND = 250
# What a client typically sends: a few short fields, one of them personal.
METADATA = {
    "source": "web",
    "meeting_type": "discovery",
    "contact": "jane.doe@example.com",
    "note": "Asked for pricing of the enterprise plan",
}


def track(user, calls: int) -> tuple[float, float]:
    """Return the seconds `calls` tracked events took: wall clock, and this
    process's CPU (which leaves out the wait for the database's disk)."""
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(calls):
        RealTimeAnalyticsCollector.track_user_engagement(
            user=user,
            engagement_type="meeting_view",
            session_id=f"bench-{n // 20}",
            entity_type="meeting",
            entity_id=n,
            metadata=METADATA,
            event_id=uuid.uuid4(),
        )
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    backend = "redis" if os.environ.get("REDIS_URL") else "locmem"
    print(f"database: {connection.vendor}, cache: {backend}")
    call_command("migrate", verbosity=0)
    cache.clear()
    user, _ = User.objects.get_or_create(username="bench-encryption")
    track(user, 200)  # warm up connections, caches and code paths

    spent = {"encrypted": [], "plain": []}
    for number in range(CALLS // ROUND):
        # ABBA order: neither mode always runs first, on a warmer database.
        for mode in ("encrypted", "plain")[:: 1 if number % 2 == 0 else -1]:
            with contextlib.ExitStack() as stack:
                if mode == "plain":
                    stack.enter_context(
                        mock.patch.object(encryption, "encrypt_text", lambda t: t)
                    )
                spent[mode].append(track(user, ROUND))
    figures = {}
    for clock in (0, 1):  # wall, CPU
        encrypted, plain = (
            sum(t[clock] for t in spent[k]) / CALLS * 1e6
            for k in ("encrypted", "plain")
        )
        ratios = sorted(
            e[clock] / p[clock] for e, p in zip(*spent.values(), strict=True)
        )
        figures["wall" if clock == 0 else "CPU"] = (encrypted, plain, ratios)

    # The part encryption adds, alone: preparing the metadata for the database.
    field = UserEngagementMetric._meta.get_field("metadata")
    prepare = {}
    for mode in ("encrypted", "plain"):
        with contextlib.ExitStack() as stack:
            if mode == "plain":
                stack.enter_context(
                    mock.patch.object(encryption, "encrypt_text", lambda text: text)
                )
            started = time.process_time()
            for _ in range(CALLS):
                field.get_db_prep_save(METADATA, connection)
            prepare[mode] = (time.process_time() - started) / CALLS * 1e6

    for clock, (encrypted, plain, ratios) in figures.items():
        print(
            f"track_user_engagement ({clock}): {encrypted:.0f} us/event encrypted, "
            f"{plain:.0f} not; ratio {encrypted / plain:.3f}x "
            f"({encrypted - plain:+.0f} us); per round of {ROUND}: median "
            f"{statistics.median(ratios):.3f}x, {ratios[0]:.3f}x to {ratios[-1]:.3f}x"
        )
    print(
        f"preparing the metadata for the database (CPU): {prepare['encrypted']:.1f} "
        f"us encrypted, {prepare['plain']:.1f} us not"
    )


if __name__ == "__main__":
    main()
