import pytest
from django.db import connection

from apps.analytics.models import UserEngagementMetric
from apps.analytics.tests.factories import UserEngagementMetricFactory
from apps.core import pagination
from apps.core.pagination import EstimatedCountPaginator

pytestmark = pytest.mark.django_db


def test_a_count_up_to_the_limit_is_exact_and_reads_at_most_limit_plus_one_rows(
    django_assert_num_queries,
):
    UserEngagementMetricFactory.create_batch(3)
    paginator = EstimatedCountPaginator(UserEngagementMetric.objects.all(), 2)
    with django_assert_num_queries(1) as captured:
        assert paginator.count == 3
    assert "LIMIT 10001" in captured.captured_queries[0]["sql"]


def test_past_the_limit_the_count_is_an_estimate_on_postgresql(monkeypatch):
    UserEngagementMetricFactory.create_batch(5)
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 2)
    count = EstimatedCountPaginator(UserEngagementMetric.objects.all(), 2).count
    if connection.vendor == "postgresql":
        assert count >= 3  # the planner's estimate, never below what was seen
    else:
        assert count == 5  # no estimate to ask for: counted exactly
