"""RealTimeAnalyticsCollector and RealTimeAnalyticsCache, end to end."""

import datetime as dt
import threading
import types
import uuid
from unittest.mock import ANY

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.analytics.cache import RealTimeAnalyticsCache
from apps.analytics.models import (
    AggregationPeriod,
    MetricType,
    PerformanceMetric,
    UserEngagementMetric,
)
from apps.analytics.periods import last_complete_period
from apps.analytics.services import RealTimeAnalyticsCollector
from apps.analytics.services.collection import collect_metrics
from apps.analytics.tasks import aggregate_real_time_metrics, invalidate_analytics_cache
from apps.analytics.tests.cache.test_cache import UNREACHABLE_REDIS
from apps.analytics.tests.conftest import local
from apps.core.errors import InvalidInput
from apps.meetings.tests.factories import MeetingFactory

# Committed transactions, as in production: events are counted live on commit.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_spec_tracking_example_runs_verbatim():
    request = types.SimpleNamespace(user=UserFactory())
    meeting = MeetingFactory()

    # --- the spec's example, as printed ---
    from apps.analytics.services import RealTimeAnalyticsCollector

    # Track when user starts a debriefing
    RealTimeAnalyticsCollector.track_user_engagement(
        user=request.user,
        engagement_type="debriefing_start",
        session_id="session-123",
        entity_type="meeting",
        entity_id=meeting.id,
        metadata={"meeting_type": "discovery"},
    )
    # ---

    event = UserEngagementMetric.objects.get()
    assert (event.user, event.engagement_type, event.entity_id) == (
        request.user,
        "debriefing_start",
        str(meeting.id),
    )
    assert event.metadata == {"meeting_type": "discovery"}
    assert RealTimeAnalyticsCache.counts() == {"debriefing_start": 1}
    assert RealTimeAnalyticsCache.active_user_ids() == [request.user.pk]


def test_the_same_event_id_is_stored_and_counted_once():
    user = UserFactory()
    event_id = uuid.uuid4()
    first = RealTimeAnalyticsCollector.track_user_engagement(
        user=user, engagement_type="login", session_id="s1", event_id=event_id
    )
    again = RealTimeAnalyticsCollector.track_user_engagement(
        user=user, engagement_type="login", session_id="s1", event_id=str(event_id)
    )
    assert again.pk == first.pk
    assert UserEngagementMetric.objects.count() == 1
    assert RealTimeAnalyticsCache.counts() == {"login": 1}


def test_another_users_event_id_is_refused_without_revealing_it():
    event_id = uuid.uuid4()
    RealTimeAnalyticsCollector.track_user_engagement(
        user=UserFactory(), engagement_type="login", session_id="s", event_id=event_id
    )
    with pytest.raises(ValidationError) as caught:
        RealTimeAnalyticsCollector.track_user_engagement(
            user=UserFactory(),
            engagement_type="login",
            session_id="s",
            event_id=event_id,
        )
    assert caught.value.message_dict == {"event_id": ["event_id is already used."]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"engagement_type": "dancing"}, "engagement_type"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": "long"}, "duration_seconds"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"metadata": {"when": object()}}, "metadata"),
        ({"timestamp": timezone.now() + dt.timedelta(hours=1)}, "timestamp"),
        ({"session_id": ""}, "session_id"),
        ({"event_id": "not-a-uuid"}, "event_id"),
    ],
)
def test_invalid_events_name_the_field_and_store_nothing(changes, field):
    arguments = {
        "user": UserFactory(),
        "engagement_type": "login",
        "session_id": "s1",
        **changes,
    }
    with pytest.raises(ValidationError) as caught:
        RealTimeAnalyticsCollector.track_user_engagement(**arguments)
    assert list(caught.value.message_dict) == [field]
    assert not UserEngagementMetric.objects.exists()
    assert RealTimeAnalyticsCache.counts() == {}


def test_counts_and_active_users_cover_the_last_minutes_only():
    alice, bob = UserFactory(), UserFactory()
    now = timezone.now()
    track = RealTimeAnalyticsCollector.track_user_engagement
    track(user=alice, engagement_type="login", session_id="a", timestamp=now)
    track(user=alice, engagement_type="meeting_view", session_id="a", timestamp=now)
    track(
        user=bob,
        engagement_type="login",
        session_id="b",
        timestamp=now - dt.timedelta(minutes=20),
    )
    assert RealTimeAnalyticsCache.counts(5) == {"login": 1, "meeting_view": 1}
    assert RealTimeAnalyticsCache.counts(30) == {"login": 2, "meeting_view": 1}
    assert RealTimeAnalyticsCache.active_users(5) == 1
    assert RealTimeAnalyticsCache.active_user_ids(30) == sorted([alice.pk, bob.pk])


def test_a_batch_is_stored_in_one_insert():
    user = UserFactory()
    repeated = str(uuid.uuid4())
    items = [
        {"engagement_type": "login", "session_id": "s", "event_id": repeated},
        {"engagement_type": "search", "session_id": "s", "duration_seconds": 3},
        {"engagement_type": "login", "session_id": "s", "event_id": repeated},
    ]
    with CaptureQueriesContext(connection) as captured:
        result = RealTimeAnalyticsCollector.track_user_engagement_batch(user, items)
    inserts = [q for q in captured if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert len(result.created) == 2
    assert RealTimeAnalyticsCache.counts() == {"login": 1, "search": 1}
    again = RealTimeAnalyticsCollector.track_user_engagement_batch(user, items[:1])
    assert (len(again.created), len(again.duplicates)) == (0, 1)


def test_an_invalid_batch_names_each_bad_item_and_stores_nothing():
    items = [
        {"engagement_type": "login", "session_id": "s"},
        {"engagement_type": "nope", "session_id": "s"},
        {"engagement_type": "login", "session_id": "s", "duration_seconds": -5},
        "not an object",
    ]
    with pytest.raises(InvalidInput) as caught:
        RealTimeAnalyticsCollector.track_user_engagement_batch(UserFactory(), items)
    assert caught.value.fields == {
        "events": {
            "1": {"engagement_type": [ANY]},
            "2": {"duration_seconds": ["duration_seconds must not be negative."]},
            "3": {"non_field_errors": ["Each event must be an object."]},
        }
    }
    assert str(caught.value) == "3 of 4 events are invalid."
    assert not UserEngagementMetric.objects.exists()


def test_oversized_batches_are_refused():
    items = [{"engagement_type": "login", "session_id": "s"}] * 1001
    with pytest.raises(ValidationError, match="at most 1000 events"):
        RealTimeAnalyticsCollector.track_user_engagement_batch(UserFactory(), items)


def _rows(period):
    return {
        (row.user_id, row.value, str(sorted(row.metadata.items())))
        for row in PerformanceMetric.objects.filter(
            metric_type=MetricType.USER_ENGAGEMENT,
            aggregation_period=AggregationPeriod.HOURLY,
            period_start=period.start,
        )
    }


def test_the_hourly_fold_agrees_exactly_with_collect_analytics():
    hour = last_complete_period(AggregationPeriod.HOURLY)
    alice, bob = UserFactory(), UserFactory()
    track = RealTimeAnalyticsCollector.track_user_engagement
    for minute, user, kind, session, seconds in [
        (0, alice, "login", "a1", None),
        (1, alice, "dashboard_view", "a1", 30),
        (59, alice, "meeting_view", "a2", 12.5),
        (10, bob, "login", "b1", 0),
        (11, bob, "search", "b1", 4),
    ]:
        track(
            user=user,
            engagement_type=kind,
            session_id=session,
            duration_seconds=seconds,
            timestamp=hour.start + dt.timedelta(minutes=minute, seconds=30),
        )
    track(user=bob, engagement_type="login", session_id="b2", timestamp=hour.end)

    summary = aggregate_real_time_metrics()
    assert summary["source"] == "real-time"
    folded = _rows(hour)
    collect_metrics(kind=AggregationPeriod.HOURLY, periods=[hour], force=True)
    assert _rows(hour) == folded
    assert len(folded) == 3


def test_the_fold_uses_the_database_when_the_live_counters_missed_events():
    hour = last_complete_period(AggregationPeriod.HOURLY)
    user = UserFactory()
    RealTimeAnalyticsCollector.track_user_engagement(
        user=user, engagement_type="login", session_id="s", timestamp=hour.start
    )
    # Stored without going through the collector: the counters never saw it.
    UserEngagementMetric.objects.create(
        user=user, engagement_type="search", session_id="s", timestamp=hour.start
    )
    summary = aggregate_real_time_metrics(hour.start.isoformat())
    assert (summary["source"], summary["events"]) == ("database", 2)
    org = PerformanceMetric.objects.get(user=None, period_start=hour.start)
    assert org.metadata["events"] == 2


def test_the_fold_reads_an_hour_without_offset_as_local_time():
    UserEngagementMetric.objects.create(
        user=UserFactory(),
        engagement_type="search",
        session_id="s",
        timestamp=local("2026-07-01", 10, 5),
    )
    summary = aggregate_real_time_metrics("2026-07-01T10:30")
    assert summary["events"] == 1
    assert PerformanceMetric.objects.get(user=None).period_start == local(
        "2026-07-01", 10
    )


@pytest.mark.parametrize(
    ("hour", "message"),
    [
        ("2026-11-27", "hour must be an ISO datetime, not a day: '2026-11-27'"),
        ("2026-11-27T25:00", "hour: '2026-11-27T25:00' is not a real date or time"),
        ("soon", "hour: expected a date like 2026-11-27 or an ISO datetime"),
    ],
)
def test_the_fold_refuses_an_hour_that_is_not_a_datetime(hour, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        aggregate_real_time_metrics(hour)
    assert not PerformanceMetric.objects.exists()


def test_invalidate_task_by_type_user_or_everything():
    from apps.analytics.cache import AnalyticsCache

    AnalyticsCache.set("dashboard", {"d": 1}, "x", user=5)
    invalidate_analytics_cache(user_id=5)
    assert AnalyticsCache.get("dashboard", {"d": 1}, user=5) is None
    AnalyticsCache.set("reports", {"d": 1}, "x")
    invalidate_analytics_cache(cache_type="reports")
    assert AnalyticsCache.get("reports", {"d": 1}) is None
    AnalyticsCache.set("metrics", {"d": 1}, "x")
    invalidate_analytics_cache()
    assert AnalyticsCache.get("metrics", {"d": 1}) is None


@override_settings(CACHES=UNREACHABLE_REDIS)
def test_with_redis_unreachable_tracking_loses_no_event():
    user = UserFactory()
    for n in range(3):
        RealTimeAnalyticsCollector.track_user_engagement(
            user=user, engagement_type="login", session_id=f"s{n}"
        )
    RealTimeAnalyticsCollector.track_user_engagement_batch(
        user, [{"engagement_type": "search", "session_id": "s"}]
    )
    assert UserEngagementMetric.objects.count() == 4
    assert RealTimeAnalyticsCache.counts() == {}
    assert RealTimeAnalyticsCache.active_users() == 0


@pytest.mark.skipif(
    not settings.CACHES["default"]["BACKEND"].startswith("django_redis"),
    reason="atomicity across connections is a Redis property (CI's second leg)",
)
def test_redis_counters_are_exact_under_concurrent_writers():
    now = timezone.now()
    threads, per_thread = 8, 250

    def bump(worker: int):
        for n in range(per_thread):
            event = UserEngagementMetric(
                user_id=worker + 1,
                engagement_type="login",
                session_id=f"w{worker}-{n}",
                timestamp=now,
            )
            RealTimeAnalyticsCache.record_events([event], now=now)

    workers = [threading.Thread(target=bump, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert RealTimeAnalyticsCache.counts(1, now=now) == {"login": threads * per_thread}
    assert RealTimeAnalyticsCache.active_users(1, now=now) == threads
