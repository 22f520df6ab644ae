"""Benchmark: engagement events at ~1M rows, partitioned by month or not, and a
B-tree against a BRIN index on the event time.

Run by hand, never in tests, on a throwaway PostgreSQL database:

    createdb -h 127.0.0.1 -U postgres mia_partition_bench
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mia_partition_bench \\
        .venv/bin/python bench/partitioning.py
    dropdb -h 127.0.0.1 -U postgres mia_partition_bench

It migrates the database (the events table is partitioned by month, migration
0012), loads BENCH_ROWS events (default 1,000,000) of 100 users over the last 28
days in time order, half of them with an event_id, and measures:

1. on the partitioned table: ingest through the product (`record_engagement` one
   by one and `record_engagement_batch` by 1000) and the rollups
   (`user_engagement` of one day and of 28 days, organisation-wide and for a team
   of 10), median of BENCH_ROUNDS;
2. on the partitioned table: the `timestamp` index as a B-tree, then as a BRIN:
   its size and the EXPLAIN ANALYZE time of the day rollup's GROUP BY, the hourly
   fold's COUNT and the engagement list's ORDER BY timestamp DESC LIMIT 50;
3. the same table rebuilt plain (the reverse of migration 0012), then (1) again.

About 10 minutes on 2 shared, loaded cores. It prints one table per part. The
B-tree/BRIN part runs after the ingest step on purpose: rows stored later (events
may arrive up to 30 days late, and inserts fill the free space VACUUM found) widen
BRIN block ranges, as they do in production.
"""

import datetime as dt
import os
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
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("ANALYTICS_LOG_LEVEL", "WARNING")
os.environ.pop("REDIS_URL", None)  # the live counters in local memory: DB cost only

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.analytics.models import UserEngagementMetric  # noqa: E402
from apps.analytics.periods import local_day, local_midnight  # noqa: E402
from apps.analytics.selectors.engagement import user_engagement  # noqa: E402
from apps.analytics.services import partitions  # noqa: E402
from apps.analytics.services.engagement import (  # noqa: E402
    record_engagement,
    record_engagement_batch,
)

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
USERS = 100
DAYS = 28
TABLE = partitions.ENGAGEMENT


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def load(now):
    users = list(User.objects.order_by("pk").values_list("pk", flat=True))
    metadata = UserEngagementMetric._meta.get_field("metadata").get_db_prep_value(
        {}, connection
    )
    span = DAYS * 86400
    sql(
        f"""INSERT INTO "{TABLE}" (engagement_type, session_id, duration_seconds,
        entity_type, entity_id, metadata, timestamp, created_at, event_id, user_id)
        SELECT (ARRAY['login','dashboard_view','meeting_view','debriefing_start',
                'debriefing_submit','search'])[1 + g %% 6],
               'session-' || (g / 20), (g %% 300)::float, 'meeting', (g %% 5000)::text,
               %s, %s::timestamptz
                   - make_interval(secs => %s::float8 - %s::float8 * g / %s::float8),
               %s, CASE WHEN g %% 2 = 0 THEN gen_random_uuid() END,
               (%s::bigint[])[1 + (g::bigint * 7919) %% %s]
        FROM generate_series(1, %s) AS g""",  # noqa: S608
        [metadata, now, span, span, ROWS, now, users, len(users), ROWS],
    )
    sql(f'VACUUM ANALYZE "{TABLE}"')


def median_ms(call, rounds=ROUNDS):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def ingest(users):
    """Return events/s stored one by one and by batches of 1000."""
    single_started = time.perf_counter()
    for i in range(500):
        record_engagement(
            users[i % len(users)],
            {"engagement_type": "search", "session_id": "b", "event_id": uuid.uuid4()},
        )
    single = 500 / (time.perf_counter() - single_started)
    batch_started = time.perf_counter()
    for i in range(10):
        items = [
            {"engagement_type": "search", "session_id": "b", "event_id": uuid.uuid4()}
            for _ in range(1000)
        ]
        record_engagement_batch(users[i % len(users)], items)
    batch = 10_000 / (time.perf_counter() - batch_started)
    return single, batch


def rollups(now, team):
    day = local_day(now) - dt.timedelta(days=1)
    day_start, day_end = local_midnight(day), local_midnight(day + dt.timedelta(1))
    month_start = local_midnight(day - dt.timedelta(days=DAYS - 2))
    return {
        "day rollup, organisation": median_ms(
            lambda: user_engagement(day_start, day_end)
        ),
        "day rollup, team of 10": median_ms(
            lambda: user_engagement(day_start, day_end, team)
        ),
        f"{DAYS - 1}-day rollup, organisation": median_ms(
            lambda: user_engagement(month_start, day_end), rounds=3
        ),
    }


def explain_ms(query, params):
    rows = sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", params)
    return rows[0][0][0]["Execution Time"]


def index_queries(now):
    day_end = now - dt.timedelta(days=1)
    day_start = day_end - dt.timedelta(days=1)
    hour_start = day_end - dt.timedelta(hours=1)
    queries = {
        "day GROUP BY user (rollup)": (
            f'SELECT user_id, count(*), count(DISTINCT session_id) FROM "{TABLE}"'  # noqa: S608
            " WHERE timestamp >= %s AND timestamp < %s GROUP BY user_id",
            [day_start, day_end],
        ),
        "hour COUNT (real-time fold)": (
            f'SELECT count(*) FROM "{TABLE}" WHERE timestamp >= %s AND timestamp < %s',  # noqa: S608
            [hour_start, day_end],
        ),
        "list ORDER BY timestamp DESC LIMIT 50": (
            f'SELECT * FROM "{TABLE}" ORDER BY timestamp DESC, id DESC LIMIT 50',  # noqa: S608
            [],
        ),
    }
    return {
        name: statistics.median(explain_ms(q, p) for _ in range(ROUNDS))
        for name, (q, p) in queries.items()
    }


def index_size(name):
    # A partitioned index has no storage of its own: add its partitions'.
    return sql(
        "SELECT coalesce(sum(pg_relation_size(i.inhrelid)), 0)"
        " + pg_relation_size(to_regclass(%s)) FROM pg_inherits i"
        " WHERE i.inhparent = to_regclass(%s)",
        [name, name],
    )[0][0]


def print_table(title, rows):
    print(f"\n{title}")
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        print(f"  {key:<{width}}  {value}")


def main():
    call_command("migrate", verbosity=0)
    sql(f'TRUNCATE "{TABLE}"')
    User.objects.filter(username__startswith="bench-").delete()
    User.objects.bulk_create(User(username=f"bench-{i}") for i in range(USERS))
    users = list(User.objects.filter(username__startswith="bench-").order_by("pk"))
    team = [u.pk for u in users[:10]]
    now = timezone.now()
    started = time.perf_counter()
    load(now)
    print(f"loaded {ROWS:,} events in {time.perf_counter() - started:.0f}s")
    assert partitions.is_partitioned(TABLE)

    figures = {"partitioned": rollups(now, team)}
    single, batch = ingest(users)
    figures["partitioned"] |= {"ingest one by one": single, "ingest by 1000": batch}

    btree = {"size": index_size("engagement_timestamp_idx"), **index_queries(now)}
    sql("DROP INDEX engagement_timestamp_idx")
    sql(f'CREATE INDEX engagement_timestamp_idx ON "{TABLE}" USING brin (timestamp)')
    sql(f'ANALYZE "{TABLE}"')
    brin = {"size": index_size("engagement_timestamp_idx"), **index_queries(now)}
    sql("DROP INDEX engagement_timestamp_idx")
    sql(f'CREATE INDEX engagement_timestamp_idx ON "{TABLE}" (timestamp)')

    with connection.schema_editor() as editor:
        partitions.drop_event_id_claims(editor)
        partitions.unpartition_table(editor, UserEngagementMetric)
    sql(f'VACUUM ANALYZE "{TABLE}"')
    assert not partitions.is_partitioned(TABLE)
    figures["plain"] = rollups(now, team)
    single, batch = ingest(users)
    figures["plain"] |= {"ingest one by one": single, "ingest by 1000": batch}

    print_table(
        f"Partitioned by month vs plain, {ROWS:,} events (ms median; ingest events/s)",
        {
            key: f"partitioned {figures['partitioned'][key]:9.1f}   "
            f"plain {figures['plain'][key]:9.1f}"
            for key in figures["plain"]
        },
    )
    print_table(
        "timestamp index on the partitioned table: B-tree vs BRIN "
        "(bytes; EXPLAIN ANALYZE ms, median)",
        {
            key: f"btree {btree[key]:>12,.1f}   brin {brin[key]:>12,.1f}"
            for key in btree
        },
    )


if __name__ == "__main__":
    main()
