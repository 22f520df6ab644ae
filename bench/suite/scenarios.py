"""S1-S6: each product figure against its physical baseline, in the same run."""

import datetime as dt
import io
import statistics
import time
import uuid

from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import force_authenticate

from apps.analytics.api.export import ExportView
from apps.analytics.cache import RealTimeAnalyticsCache
from apps.analytics.cache.stores import BUCKET_TTL
from apps.analytics.models import UserEngagementMetric
from apps.analytics.periods import local_midnight
from apps.analytics.selectors.engagement import user_engagement
from apps.analytics.services.engagement import record_engagement_batch
from bench.suite.measure import Client, Row, alternate, drive, latencies_ms

TRACK = "/api/v1/analytics/track-engagement/"
BATCH = 1000
EVENT_COLUMNS = (
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


def event_body(**extra) -> dict:
    return {
        "engagement_type": "meeting_view",
        "session_id": "bench-s",
        "entity_type": "meeting",
        "entity_id": "1",
        "duration_seconds": 12.5,
        "event_id": str(uuid.uuid4()),
        **extra,
    }


def _copy_rows(user_id: int, count: int) -> float:
    """COPY `count` fresh events (the physical floor of ingest); return events/s."""
    now = timezone.now()
    token = UserEngagementMetric._meta.get_field("metadata").get_db_prep_value(
        {}, connection
    )
    rows = [
        (
            user_id,
            "meeting_view",
            "bench-s",
            12.5,
            "meeting",
            "1",
            token,
            now,
            now,
            uuid.uuid4(),
        )
        for _ in range(count)
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        sql = (
            f"COPY analytics_userengagementmetric ({', '.join(EVENT_COLUMNS)}) "
            "FROM STDIN"
        )
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    return count / (time.perf_counter() - started)


def s1_single(ctx) -> Row:
    count = ctx.requests

    def product():
        return drive(ctx.port, ctx.member_token, "POST", TRACK, event_body, count)

    def baseline():
        return drive(ctx.port, None, "POST", "/bench/baseline-create/", dict, count)

    p, b, r = alternate(product, baseline, ctx.rounds)
    return Row(
        "S1 track single, HTTP",
        "req/s",
        p,
        b,
        r,
        ">= 0.6",
        r >= 0.6,
        "baseline: bare Django view doing objects.create",
    )


def s2_batch_http(ctx) -> Row:
    batches = ctx.batches

    def body():
        return {"events": [event_body() for _ in range(BATCH)]}

    def product():
        per_second = drive(ctx.port, ctx.member_token, "POST", TRACK, body, batches)
        return per_second * BATCH

    def baseline():
        return _copy_rows(ctx.org.member.pk, batches * BATCH)

    p, b, r = alternate(product, baseline, ctx.rounds)
    return Row(
        f"S2 batch ingest HTTP, {BATCH}/request",
        "events/s",
        p,
        b,
        r,
        ">= 0.3",
        r >= 0.3,
        "baseline: psycopg COPY of the same rows",
    )


def s2_batch_in_process(ctx) -> Row:
    member = ctx.org.member

    def product():
        items = [[event_body() for _ in range(BATCH)] for _ in range(ctx.batches)]
        started = time.perf_counter()
        for chunk in items:
            record_engagement_batch(member, chunk)
        return ctx.batches * BATCH / (time.perf_counter() - started)

    def baseline():
        return _copy_rows(member.pk, ctx.batches * BATCH)

    p, b, r = alternate(product, baseline, ctx.rounds)
    return Row(
        "S2 batch ingest in-process",
        "events/s",
        p,
        b,
        r,
        ">= 0.3",
        r >= 0.3,
        "baseline: COPY",
    )


ROLLUP_SQL = """
SELECT (timestamp AT TIME ZONE %s)::date AS day, user_id, count(*),
       count(DISTINCT session_id), sum(duration_seconds)
FROM analytics_userengagementmetric
WHERE timestamp >= %s AND timestamp < %s
GROUP BY 1, 2
"""
ROLLUP_TYPES_SQL = """
SELECT (timestamp AT TIME ZONE %s)::date, user_id, engagement_type, count(*)
FROM analytics_userengagementmetric
WHERE timestamp >= %s AND timestamp < %s
GROUP BY 1, 2, 3
"""


def s3_rollup(ctx) -> Row:
    today = timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in range(30, 0, -1)]
    zone = str(timezone.get_current_timezone())

    def product():
        started = time.perf_counter()
        for day in days:
            user_engagement(local_midnight(day), local_midnight(day + dt.timedelta(1)))
        return 1 / (time.perf_counter() - started)

    def baseline():
        started = time.perf_counter()
        span = (local_midnight(days[0]), local_midnight(today))
        with connection.cursor() as cursor:
            for sql in (ROLLUP_SQL, ROLLUP_TYPES_SQL):
                cursor.execute(sql, (zone, *span))
                cursor.fetchall()
        return 1 / (time.perf_counter() - started)

    p, b, r = alternate(product, baseline, ctx.rounds)
    # As times: the ratio of times is the inverse of the ratio of rates.
    return Row(
        "S3 daily engagement rollup, 30 days",
        "ms",
        1000 / p,
        1000 / b,
        1 / r,
        "<= 1.5",
        1 / r <= 1.5,
        "baseline: hand-written GROUP BY",
    )


def _p50(timings) -> float:
    return statistics.median(timings)


def s4_dashboard(ctx) -> list[Row]:
    rows = []
    floor = Client(ctx.port, ctx.admin_token)
    me = _p50(latencies_ms(lambda: floor.call("GET", "/api/v1/auth/me/"), 9))
    for who, token in (("manager", ctx.manager_token), ("admin", ctx.admin_token)):
        client = Client(ctx.port, token)
        path = "/api/v1/analytics/dashboard/?days=30"

        def get(client=client, path=path):
            status, body = client.call("GET", path)
            assert status == 200, (status, body[:200])

        cold = _p50(latencies_ms(get, max(3, ctx.rounds), before=cache.clear))
        warm = _p50(latencies_ms(get, 9))
        rows.append(
            Row(
                f"S4 dashboard cold p50, {who}",
                "ms",
                cold,
                me,
                cold / me,
                "<= 150 ms",
                cold <= 150,
                "baseline: GET auth/me/ p50 (the stack's floor)",
            )
        )
        rows.append(
            Row(
                f"S4 dashboard warm p50, {who}",
                "ms",
                warm,
                me,
                warm / me,
                "<= 10 ms",
                warm <= 10,
            )
        )
        client.close()
    client = Client(ctx.port, ctx.admin_token)

    def listing():
        status, body = client.call("GET", "/api/v1/analytics/metrics/engagement/")
        assert status == 200, (status, body[:200])

    def metric_list():
        status, body = client.call("GET", "/api/v1/analytics/metrics/performance/")
        assert status == 200, (status, body[:200])

    for name, call in (
        ("metrics/engagement/", listing),
        ("metrics/performance/", metric_list),
    ):
        p50 = _p50(latencies_ms(call, max(5, ctx.rounds)))
        rows.append(
            Row(
                f"S4 GET {name} p50, admin",
                "ms",
                p50,
                me,
                p50 / me,
                "flat in events",
                None,
                "compare across scales (results JSON)",
            )
        )
    client.close()
    floor.close()
    return rows


class _Discard(io.RawIOBase):
    def writable(self):
        return True

    def write(self, data):
        return len(data)


def s5_export(ctx) -> Row:
    total = UserEngagementMetric.objects.count()
    columns = (
        "id, user_id, engagement_type, session_id, duration_seconds, entity_type, "
        "entity_id, metadata, timestamp, created_at, event_id"
    )

    def product():
        request = RequestFactory().get(
            "/api/v1/analytics/export/", {"format": "csv", "dataset": "engagement"}
        )
        force_authenticate(request, user=ctx.org.admin)
        started = time.perf_counter()
        response = ExportView.as_view()(request)
        assert response.status_code == 200, response.status_code
        for _ in response.streaming_content:
            pass
        response.close()
        return total / (time.perf_counter() - started)

    def baseline():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            query = f"SELECT {columns} FROM analytics_userengagementmetric"  # noqa: S608
            sql = f"COPY ({query} ORDER BY timestamp, id) TO STDOUT WITH CSV HEADER"
            with cursor.copy(sql) as copy:
                for _ in copy:
                    pass
        return total / (time.perf_counter() - started)

    p, b, r = alternate(product, baseline, ctx.rounds)
    return Row(
        f"S5 CSV export, {total:,} rows",
        "rows/s",
        p,
        b,
        r,
        ">= 0.5",
        r >= 0.5,
        "baseline: COPY (SELECT ...) TO STDOUT WITH CSV",
    )


def _live_events(user_ids, count):
    now = timezone.now()
    return [
        UserEngagementMetric(
            user_id=user_ids[i % len(user_ids)],
            engagement_type="meeting_view",
            session_id=f"live-{i // 20}",
            duration_seconds=3.0,
            timestamp=now,
        )
        for i in range(count)
    ]


def _raw_pipeline(redis, prefix, events) -> None:
    """What recording costs in bare redis-py: the same commands, one pipeline."""
    pipe = redis.pipeline(transaction=False)
    for event in events:
        minute = int(event.timestamp.timestamp() // 60)
        key = f"{prefix}{minute}"
        pipe.hincrby(f"{key}:events", f"{event.user_id}|{event.engagement_type}", 1)
        pipe.hincrbyfloat(f"{key}:seconds", str(event.user_id), event.duration_seconds)
        pipe.sadd(f"{key}:sessions", f"{event.user_id}|{event.session_id}")
    pipe.expire(f"{key}:events", BUCKET_TTL)
    pipe.zadd(f"{prefix}active", {str(events[-1].user_id): time.time()}, gt=True)
    pipe.execute()


def s6_live(ctx) -> list[Row]:
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    prefix = "bench-raw:"
    rows = []
    for per_call, calls in ((1, 2000), (1000, 20)):
        events = _live_events(ctx.org.user_ids, per_call * calls)
        chunks = [events[i : i + per_call] for i in range(0, len(events), per_call)]

        total = len(events)

        def product(chunks=chunks, total=total):
            started = time.perf_counter()
            for chunk in chunks:
                RealTimeAnalyticsCache.record_events(chunk)
            return total / (time.perf_counter() - started)

        def baseline(chunks=chunks, total=total):
            started = time.perf_counter()
            for chunk in chunks:
                _raw_pipeline(redis, prefix, chunk)
            return total / (time.perf_counter() - started)

        p, b, r = alternate(product, baseline, ctx.rounds)
        rows.append(
            Row(
                f"S6 live counters, {per_call} per call",
                "events/s",
                p,
                b,
                r,
                ">= 0.3",
                r >= 0.3,
                "baseline: raw redis-py pipeline",
            )
        )
    return rows


SCENARIOS = {
    "S1": s1_single,
    "S2": s2_batch_http,
    "S2i": s2_batch_in_process,
    "S3": s3_rollup,
    "S4": s4_dashboard,
    "S5": s5_export,
    "S6": s6_live,
}
