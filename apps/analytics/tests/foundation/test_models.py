import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import AggregationPeriod, MetricType, PerformanceMetric
from apps.analytics.tests.factories import PerformanceMetricFactory

pytestmark = pytest.mark.django_db


def test_second_org_wide_row_for_same_key_is_rejected_by_the_database():
    first = PerformanceMetricFactory(user=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        PerformanceMetric.objects.create(
            metric_type=first.metric_type,
            aggregation_period=first.aggregation_period,
            period_start=first.period_start,
            period_end=first.period_end,
            user=None,
            value=0.9,
        )
    assert PerformanceMetric.objects.count() == 1


def test_second_row_for_same_user_and_key_is_rejected_by_the_database():
    user = UserFactory()
    first = PerformanceMetricFactory(user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        PerformanceMetric.objects.bulk_create(
            [
                PerformanceMetric(
                    metric_type=first.metric_type,
                    aggregation_period=first.aggregation_period,
                    period_start=first.period_start,
                    period_end=first.period_end,
                    user=user,
                    value=0.1,
                )
            ]
        )
    assert PerformanceMetric.objects.get().value == 0.5


def test_rows_differing_in_any_key_part_coexist():
    alice, bob = UserFactory(), UserFactory()
    base = PerformanceMetricFactory(user=None)
    start = base.period_start
    PerformanceMetricFactory(user=alice, period_start=start)
    PerformanceMetricFactory(user=bob, period_start=start)
    PerformanceMetricFactory(user=None, period_start=start + dt.timedelta(days=1))
    PerformanceMetricFactory(
        user=None, period_start=start, metric_type=MetricType.CRM_SYNC_SUCCESS
    )
    PerformanceMetricFactory(
        user=None,
        period_start=start,
        aggregation_period=AggregationPeriod.HOURLY,
        period_end=start + dt.timedelta(hours=1),
    )
    assert PerformanceMetric.objects.count() == 6


def test_an_empty_period_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PerformanceMetricFactory(
            period_end=PerformanceMetricFactory.build().period_start
        )
