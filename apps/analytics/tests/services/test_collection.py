"""The collection pipeline: rows per key, idempotence, recomputation, query counts."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import (
    AggregationPeriod,
    DataQualityMetric,
    MetricType,
    PerformanceMetric,
)
from apps.analytics.periods import period_containing, periods_between
from apps.analytics.services.collection import collect_metrics, wilson_confidence
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import UserEngagementMetricFactory
from apps.crm.models import CRMSyncLog, SyncStatus
from apps.crm.tests.factories import CRMSyncLogFactory
from apps.debriefings.models import DebriefingStatus, ReviewStatus
from apps.debriefings.tests.factories import DebriefingFactory, ExtractedFieldFactory
from apps.meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
DAILY = AggregationPeriod.DAILY
NOW = local("2026-11-20", 12)


def day(label: str):
    return period_containing(DAILY, local(label, 12))


def snapshot():
    """Every stored figure, keyed and comparable."""
    return sorted(
        PerformanceMetric.objects.values_list(
            "id",
            "metric_type",
            "aggregation_period",
            "period_start",
            "user_id",
            "value",
        )
    ), sorted(
        (row[0], row[1], str(row[2]))
        for row in PerformanceMetric.objects.values_list(
            "id", "metric_type", "metadata"
        )
    )


def add_activity(user, ended: dt.datetime, *, completed: bool):
    meeting = MeetingFactory(
        owner=user, start_time=ended - dt.timedelta(hours=1), end_time=ended
    )
    status = DebriefingStatus.COMPLETED if completed else DebriefingStatus.PENDING
    debriefing = DebriefingFactory(
        meeting=meeting,
        status=status,
        completed_at=ended + dt.timedelta(hours=1) if completed else None,
    )
    ExtractedFieldFactory(
        debriefing=debriefing,
        review_status=ReviewStatus.ACCEPTED,
        reviewed_at=ended + dt.timedelta(hours=2),
    )
    CRMSyncLogFactory(user=user, attempted_at=ended)
    UserEngagementMetricFactory(user=user, timestamp=ended)
    return debriefing


def test_collecting_a_day_stores_user_and_organisation_rows():
    alice, bob = UserFactory(), UserFactory()
    add_activity(alice, local("2026-11-10", 10), completed=True)
    add_activity(bob, local("2026-11-10", 11), completed=False)

    summary = collect_metrics(kind=DAILY, periods=[day("2026-11-10")], now=NOW)

    assert summary.periods_computed == ["2026-11-10"]
    rows = PerformanceMetric.objects.filter(
        metric_type=MetricType.DEBRIEFING_COMPLETION
    )
    assert {(r.user_id, r.value) for r in rows} == {
        (alice.pk, 1.0),
        (bob.pk, 0.0),
        (None, 0.5),
    }
    org = rows.get(user=None)
    assert org.metadata["numerator"] == 1
    assert org.metadata["denominator"] == 2
    assert "partial" not in org.metadata
    assert (org.period_start, org.period_end) == (
        local("2026-11-10"),
        local("2026-11-11"),
    )
    # Undefined rates are no rows: nothing was confirmed or reviewed as a match.
    assert not PerformanceMetric.objects.filter(
        metric_type=MetricType.MEETING_DETECTION_ACCURACY
    ).exists()
    assert summary.rows_written == PerformanceMetric.objects.count()


def test_per_field_quality_rows_are_written_with_sample_size_confidence():
    alice = UserFactory()
    add_activity(alice, local("2026-11-10", 10), completed=True)
    collect_metrics(kind=DAILY, periods=[day("2026-11-10")], now=NOW)
    rows = DataQualityMetric.objects.order_by(F("user_id").asc(nulls_last=True))
    assert [(r.user_id, r.field_name, r.score, r.sample_size) for r in rows] == [
        (alice.pk, "budget", 1.0, 1),
        (None, "budget", 1.0, 1),
    ]
    assert rows[0].confidence == wilson_confidence(1, 1)
    assert rows[0].period_start == local("2026-11-10")
    assert wilson_confidence(1, 1) < wilson_confidence(90, 100) < 1


def test_a_period_without_any_data_still_records_zero_engagement():
    collect_metrics(kind=DAILY, periods=[day("2026-11-10")], now=NOW)
    row = PerformanceMetric.objects.get()
    assert (row.metric_type, row.user_id, row.value) == (
        MetricType.USER_ENGAGEMENT,
        None,
        0,
    )


def test_collected_periods_are_skipped_then_recomputed_with_force():
    alice = UserFactory()
    debriefing = add_activity(alice, local("2026-11-10", 10), completed=False)
    period = day("2026-11-10")
    collect_metrics(kind=DAILY, periods=[period], now=NOW)
    before = snapshot()

    debriefing.status = DebriefingStatus.COMPLETED
    debriefing.completed_at = local("2026-11-12", 9)
    debriefing.save()
    again = collect_metrics(kind=DAILY, periods=[period], now=NOW)
    assert again.periods_skipped == ["2026-11-10"]
    assert snapshot() == before

    forced = collect_metrics(kind=DAILY, periods=[period], now=NOW, force=True)
    assert forced.periods_computed == ["2026-11-10"]
    completion = PerformanceMetric.objects.get(
        metric_type=MetricType.DEBRIEFING_COMPLETION, user=None
    )
    assert completion.value == 1.0
    ids_before = {row[0] for row in before[0]}
    assert {row[0] for row in snapshot()[0]} == ids_before  # updated in place


def test_recomputing_removes_rows_whose_figure_became_undefined():
    alice = UserFactory()
    add_activity(alice, local("2026-11-10", 10), completed=True)
    period = day("2026-11-10")
    collect_metrics(kind=DAILY, periods=[period], now=NOW)
    CRMSyncLog.objects.all().delete()

    summary = collect_metrics(kind=DAILY, periods=[period], now=NOW, force=True)

    assert summary.rows_removed == 2  # alice's and the organisation's sync rows
    assert not PerformanceMetric.objects.filter(
        metric_type=MetricType.CRM_SYNC_SUCCESS
    ).exists()


def test_the_period_in_progress_is_always_recomputed_and_marked_partial():
    alice = UserFactory()
    add_activity(alice, local("2026-11-20", 9), completed=True)
    today = day("2026-11-20")
    collect_metrics(kind=DAILY, periods=[today], now=NOW)
    add_activity(alice, local("2026-11-20", 11), completed=False)

    summary = collect_metrics(kind=DAILY, periods=[today], now=NOW)

    assert summary.periods_computed == ["2026-11-20"]
    row = PerformanceMetric.objects.get(
        metric_type=MetricType.DEBRIEFING_COMPLETION, user=None
    )
    assert row.value == 0.5
    assert row.metadata["partial"] is True


def test_query_count_per_period_does_not_grow_with_users():
    def queries_for(user_count: int) -> int:
        PerformanceMetric.objects.all().delete()
        for _ in range(user_count):
            user = UserFactory()
            add_activity(user, local("2026-11-10", 10), completed=True)
            add_activity(user, local("2026-11-10", 14), completed=False)
        with CaptureQueriesContext(connection) as captured:
            collect_metrics(
                kind=DAILY, periods=[day("2026-11-10")], now=NOW, force=True
            )
        return len(captured)

    assert queries_for(2) == queries_for(48)  # 2 users, then 50


def test_collect_analytics_twice_leaves_exactly_the_same_rows(
    django_capture_on_commit_callbacks,
):
    alice, bob = UserFactory(), UserFactory()
    for offset in range(0, 30, 3):
        add_activity(
            alice, local("2026-11-19", 10) - dt.timedelta(days=offset), completed=True
        )
        add_activity(
            bob, local("2026-11-18", 15) - dt.timedelta(days=offset), completed=False
        )
    call_command(
        "collect_analytics", "--period", "daily", "--days-back", "30", stdout=None
    )
    first = snapshot()
    call_command(
        "collect_analytics", "--period", "daily", "--days-back", "30", stdout=None
    )
    assert snapshot() == first
    assert len(first[0]) > 60


def test_organisation_figures_pool_user_numerators_on_demo_data():
    call_command(
        "seed_demo",
        "--days",
        "10",
        "--users",
        "6",
        "--seed",
        "7",
        stdout=io.StringIO(),
    )
    end = period_containing(DAILY, timezone.now()).start
    periods = periods_between(
        DAILY, end - dt.timedelta(days=9), end - dt.timedelta(days=1)
    )
    collect_metrics(kind=DAILY, periods=periods, force=True)
    checked = 0
    for metric_type in MetricType.values:
        if metric_type == MetricType.USER_ENGAGEMENT:
            continue
        for period in periods:
            rows = PerformanceMetric.objects.filter(
                metric_type=metric_type,
                aggregation_period=DAILY,
                period_start=period.start,
            )
            org = rows.filter(user=None).first()
            if org is None:
                continue
            users = rows.exclude(user=None)
            numerator = sum(r.metadata["numerator"] for r in users)
            denominator = sum(r.metadata["denominator"] for r in users)
            if metric_type == MetricType.CRM_SYNC_SUCCESS:
                userless = CRMSyncLog.objects.filter(
                    user=None,
                    attempted_at__gte=period.start,
                    attempted_at__lt=period.end,
                )
                numerator += userless.filter(status=SyncStatus.SUCCESS).count()
                denominator += userless.count()
            assert (org.metadata["numerator"], org.metadata["denominator"]) == (
                numerator,
                denominator,
            )
            assert org.value == numerator / denominator
            checked += 1
    assert checked >= 20
