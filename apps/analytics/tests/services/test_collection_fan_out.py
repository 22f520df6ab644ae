"""A large organisation's period is collected by the workers (a task per metric,
joined by a chord that stores the rows), with exactly the in-process rows."""

import datetime as dt
import json

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import (
    AggregationPeriod,
    DataQualityMetric,
    PerformanceMetric,
)
from apps.analytics.periods import period_containing
from apps.analytics.selectors import METRIC_SELECTORS
from apps.analytics.services.collection import (
    collect_metrics,
    compute_metric,
    should_fan_out,
    store_computed_parts,
)
from apps.analytics.tasks import collect_performance_metrics
from apps.analytics.tests.conftest import local
from apps.analytics.tests.services.test_collection import add_activity

pytestmark = pytest.mark.django_db
DAILY = AggregationPeriod.DAILY
NOW = local("2026-11-20", 12)


def stored_rows():
    """Every stored figure and quality row, without ids and timestamps."""
    metrics = sorted(
        (
            r.metric_type,
            r.aggregation_period,
            r.period_start,
            r.period_end,
            r.user_id or 0,
            r.value,
            json.dumps(r.metadata, sort_keys=True),
        )
        for r in PerformanceMetric.objects.all()
    )
    quality = sorted(
        (r.field_name, r.user_id or 0, r.score, r.confidence, r.sample_size)
        for r in DataQualityMetric.objects.all()
    )
    return metrics, quality


@pytest.fixture
def activity():
    users = [UserFactory() for _ in range(4)]
    for index, user in enumerate(users):
        for days in range(3):
            add_activity(
                user,
                local("2026-11-10", 9 + index) - dt.timedelta(days=days),
                completed=index % 2 == 0,
            )
    return users


def periods():
    return [
        period_containing(DAILY, local(day, 12))
        for day in ("2026-11-08", "2026-11-09", "2026-11-10")
    ]


def test_the_organisation_must_reach_the_threshold_to_fan_out(settings, activity):
    settings.ANALYTICS_COLLECTION_FANOUT_USERS = 5
    assert not should_fan_out()  # four users
    settings.ANALYTICS_COLLECTION_FANOUT_USERS = 4
    assert should_fan_out()
    settings.ANALYTICS_COLLECTION_FANOUT_USERS = 0  # never
    assert not should_fan_out()


def test_a_fanned_out_collection_stores_exactly_the_in_process_rows(settings, activity):
    in_process = collect_metrics(kind=DAILY, periods=periods(), now=NOW)
    expected = stored_rows()
    PerformanceMetric.objects.all().delete()
    DataQualityMetric.objects.all().delete()
    settings.ANALYTICS_COLLECTION_FANOUT_USERS = 1

    # Eager here: the chord runs its parts and its callback in-process.
    fanned = collect_metrics(kind=DAILY, periods=periods(), allow_fan_out=True)

    assert in_process.periods_computed == fanned.periods_fanned_out
    assert fanned.periods_computed == []
    assert stored_rows() == expected
    assert len(expected[0]) > 30


def test_the_parts_survive_the_json_round_trip_of_a_real_worker(settings, activity):
    period = periods()[-1]
    collect_metrics(kind=DAILY, periods=[period], now=NOW)
    expected = stored_rows()
    parts = [compute_metric(period, metric) for metric in METRIC_SELECTORS]

    store_computed_parts(period, json.loads(json.dumps(parts)))

    assert stored_rows() == expected


def test_the_beats_task_fans_out_and_a_second_run_leaves_the_same_rows(
    settings, activity
):
    settings.ANALYTICS_COLLECTION_FANOUT_USERS = 1
    settings.ANALYTICS_BACKFILL_DAYS = 0
    first = collect_performance_metrics(DAILY)
    rows = stored_rows()
    collect_performance_metrics(DAILY)
    assert first["periods_fanned_out"] and first["periods_computed"] == []
    assert stored_rows() == rows
