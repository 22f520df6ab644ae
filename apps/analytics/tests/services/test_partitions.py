"""Monthly partitions of the event tables (PostgreSQL): made ahead, pruned by the
rollups, dropped whole by retention, and event_id still unique across them."""

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import SystemHealthMetric, UserEngagementMetric
from apps.analytics.selectors.engagement import user_engagement
from apps.analytics.services.engagement import record_engagement
from apps.analytics.services.partitions import (
    ENGAGEMENT,
    EVENT_KEYS,
    HEALTH,
    TABLES,
    add_months,
    default_partition,
    ensure_partitions,
    is_partitioned,
    month_partitions,
    month_start,
    wanted_months,
)
from apps.analytics.services.retention import cleanup_old_data
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import (
    SystemHealthMetricFactory,
    UserEngagementMetricFactory,
)

pytestmark = pytest.mark.django_db


def utc(year, month, day=1, hour=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT tableoid::regclass::text FROM "{table}" WHERE id = %s',  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def claims(event_id) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM "{EVENT_KEYS}" WHERE event_id = %s',  # noqa: S608
            [event_id],
        )
        return cursor.fetchone()[0]


def test_months_are_utc_months_and_roll_over_the_year():
    assert month_start(local("2026-12-01", 0, 30)) == utc(2026, 11)  # 23:30 UTC
    assert add_months(utc(2026, 11), 2) == utc(2027, 1)
    assert add_months(utc(2027, 1), -1) == utc(2026, 12)


def test_the_months_wanted_reach_back_to_the_oldest_event_accepted_and_ahead():
    # An event may be dated up to 30 days back: 2026-10-16 is in October.
    assert wanted_months(utc(2026, 11, 15), 2) == [
        utc(2026, 10),
        utc(2026, 11),
        utc(2026, 12),
        utc(2027, 1),
    ]


def test_on_sqlite_the_tables_stay_plain_and_ensuring_does_nothing():
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite behaviour")
    assert not any(is_partitioned(table) for table in TABLES)
    assert ensure_partitions(now=utc(2025, 3, 20)) == []


@pytest.mark.postgres
def test_both_tables_are_partitioned_with_a_default_and_this_month():
    this_month = month_start(dt.datetime.now(dt.UTC))
    for table in TABLES:
        assert is_partitioned(table)
        assert this_month in {p.start for p in month_partitions(table)}
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [default_partition(table)])
            assert cursor.fetchone()[0] == default_partition(table)


@pytest.mark.postgres
def test_a_new_months_partition_takes_its_rows_over_from_the_default():
    event = UserEngagementMetricFactory(timestamp=utc(2025, 3, 10))
    reading = SystemHealthMetricFactory(timestamp=utc(2025, 3, 11))
    assert partition_of(ENGAGEMENT, event.pk) == default_partition(ENGAGEMENT)

    created = ensure_partitions(now=utc(2025, 3, 20), months_ahead=0)

    assert created == [
        f"{ENGAGEMENT}_p2025_02",
        f"{ENGAGEMENT}_p2025_03",
        f"{HEALTH}_p2025_02",
        f"{HEALTH}_p2025_03",
    ]
    assert partition_of(ENGAGEMENT, event.pk) == f"{ENGAGEMENT}_p2025_03"
    assert partition_of(HEALTH, reading.pk) == f"{HEALTH}_p2025_03"
    assert UserEngagementMetric.objects.get(pk=event.pk).timestamp == event.timestamp
    assert ensure_partitions(now=utc(2025, 3, 20), months_ahead=0) == []


@pytest.mark.postgres
def test_an_event_id_is_stored_once_whatever_month_the_repeat_is_dated_in():
    user, event_id, now = UserFactory(), uuid.uuid4(), dt.datetime.now(dt.UTC)
    first, created = record_engagement(
        user,
        {
            "engagement_type": "login",
            "session_id": "s",
            "event_id": str(event_id),
            "timestamp": (now - dt.timedelta(days=29)).isoformat(),
        },
    )
    again, created_again = record_engagement(
        user, {"engagement_type": "login", "session_id": "s", "event_id": event_id}
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert UserEngagementMetric.objects.filter(event_id=event_id).count() == 1


@pytest.mark.postgres
def test_deleting_an_event_releases_its_event_id():
    user, event_id = UserFactory(), uuid.uuid4()
    data = {"engagement_type": "login", "session_id": "s", "event_id": event_id}
    first, _ = record_engagement(user, data)
    first.delete()
    assert claims(event_id) == 0
    _, created = record_engagement(user, data)
    assert created and claims(event_id) == 1


@pytest.mark.postgres
def test_retention_drops_whole_old_months_and_deletes_only_the_boundary_rows(settings):
    settings.ANALYTICS_RETENTION_DAYS = 90
    now = local("2026-11-15", 10, 30)  # cutoff: local midnight of 2026-08-17
    ensure_partitions(now=utc(2026, 6, 15), months_ahead=3)  # May to September
    old_id = uuid.uuid4()
    UserEngagementMetricFactory(timestamp=utc(2026, 5, 20), event_id=old_id)
    UserEngagementMetricFactory(timestamp=utc(2026, 7, 31, 23))
    UserEngagementMetricFactory(timestamp=utc(2026, 8, 10))  # August: row-wise
    UserEngagementMetricFactory(timestamp=utc(2025, 1, 1))  # the default: row-wise
    kept = UserEngagementMetricFactory(timestamp=utc(2026, 8, 20))
    SystemHealthMetricFactory(timestamp=utc(2026, 6, 1))
    health_kept = SystemHealthMetricFactory(timestamp=utc(2026, 9, 1))

    summary = cleanup_old_data(
        method="TASK", path="test", now=now, tables=["engagement", "system_health"]
    )

    events, health = summary.tables
    months = ["p2026_05", "p2026_06", "p2026_07"]
    assert events.dropped_partitions == [f"{ENGAGEMENT}_{m}" for m in months]
    assert health.dropped_partitions == [f"{HEALTH}_{m}" for m in months]
    assert (events.removed, health.removed) == (4, 1)
    assert list(UserEngagementMetric.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(SystemHealthMetric.objects.values_list("pk", flat=True)) == [
        health_kept.pk
    ]
    assert utc(2026, 8) in {p.start for p in month_partitions(ENGAGEMENT)}
    assert claims(old_id) == 0
    # Nothing older is left: a second run drops and removes nothing.
    again = cleanup_old_data(method="TASK", path="test", now=now, tables=["engagement"])
    assert (again.tables[0].removed, again.tables[0].dropped_partitions) == (0, [])


def scanned_partitions(sql: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return set(re.findall(rf"{ENGAGEMENT}_(p\d{{4}}_\d{{2}}|default)", plan))


@pytest.mark.postgres
def test_the_engagement_rollup_of_a_window_scans_only_that_months_partition():
    ensure_partitions(now=utc(2026, 6, 15), months_ahead=1)  # May to July
    user = UserFactory()
    for day in (9, 10, 11):
        UserEngagementMetricFactory(user=user, timestamp=utc(2026, 6, day, 12))
    start, end = local("2026-06-10"), local("2026-06-12")

    with CaptureQueriesContext(connection) as queries:
        results = user_engagement(start, end, user_ids=[user.pk])

    assert results[user.pk].breakdown["events"] == 2
    rollups = [q["sql"] for q in queries if ENGAGEMENT in q["sql"]]
    assert rollups
    for sql in rollups:
        assert scanned_partitions(sql) == {"p2026_06"}
