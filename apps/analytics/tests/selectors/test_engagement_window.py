import datetime as dt

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import AggregationPeriod, UserEngagementMetric
from apps.analytics.models import EngagementType as E
from apps.analytics.periods import periods_between
from apps.analytics.selectors import ORG
from apps.analytics.selectors.engagement import user_engagement
from apps.analytics.selectors.engagement_window import (
    window_engagement,
    windows_engagement,
)
from apps.analytics.services.collection import collect_metrics
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import UserEngagementMetricFactory

pytestmark = pytest.mark.django_db

# A window from mid-morning on the 3rd to mid-afternoon on the 7th: the 4th, 5th
# and 6th are whole days, the 3rd and the 7th are partial.
START, END = local("2025-03-03", 10), local("2025-03-07", 15)
NOW = local("2025-03-10", 12)


@pytest.fixture
def events():
    ann, bob = UserFactory(), UserFactory()
    for day in ("2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"):
        for user, session in ((ann, f"a-{day}"), (bob, f"b-{day}")):
            UserEngagementMetricFactory(
                user=user,
                session_id=session,
                engagement_type=E.MEETING_VIEW,
                duration_seconds=30,
                timestamp=local(day, 11),
            )
        UserEngagementMetricFactory(
            user=ann,
            session_id=f"a-{day}",
            engagement_type=E.SEARCH,
            duration_seconds=10,
            timestamp=local(day, 12),
        )
    # Outside the window: never counted.
    UserEngagementMetricFactory(user=bob, timestamp=local("2025-03-03", 9))
    UserEngagementMetricFactory(user=bob, timestamp=local("2025-03-07", 16))
    return ann, bob


def _collect(first: str, last: str) -> None:
    collect_metrics(
        kind=AggregationPeriod.DAILY,
        periods=periods_between(AggregationPeriod.DAILY, local(first), local(last, 12)),
        force=True,
        now=NOW,
    )


def test_a_window_reads_its_collected_days_and_counts_the_rest_raw(events):
    _collect("2025-03-04", "2025-03-06")
    raw = user_engagement(START, END)[ORG]

    result = window_engagement(START, END)

    assert (result.value, result.sample_size) == (2, 15)
    assert (
        result.breakdown
        == raw.breakdown
        == {
            "events": 15,
            "events_by_type": {"meeting_view": 10, "search": 5},
            "sessions": 10,
            "mean_session_seconds": 35.0,
            "events_per_active_user": 7.5,
        }
    )


def test_collected_days_are_not_read_from_raw_events(events, django_assert_num_queries):
    _collect("2025-03-04", "2025-03-06")
    # Raw events of a collected day gone (say, archived): the rollup still counts.
    UserEngagementMetric.objects.filter(
        timestamp__gte=local("2025-03-05"), timestamp__lt=local("2025-03-06")
    ).delete()
    # The stored days (one query: the organisation's rows hold everyone's totals),
    # their active users' ids (one), then the raw rest, types included (one).
    with django_assert_num_queries(3):
        result = window_engagement(START, END)
    assert result.sample_size == 15


def test_a_scope_sees_only_its_users_rows(events):
    ann, _ = events
    _collect("2025-03-04", "2025-03-06")

    result = window_engagement(START, END, [ann.pk])

    assert (result.value, result.sample_size) == (1, 10)
    assert result.breakdown["events_by_type"] == {"meeting_view": 5, "search": 5}


def test_days_never_collected_or_partial_are_counted_raw(events):
    # Collected while the 5th was running: partial, so read from raw events.
    collect_metrics(
        kind=AggregationPeriod.DAILY,
        periods=periods_between(
            AggregationPeriod.DAILY, local("2025-03-05"), local("2025-03-05", 12)
        ),
        force=True,
        now=local("2025-03-05", 13),
    )
    UserEngagementMetricFactory(
        user=events[0], session_id="late", timestamp=local("2025-03-05", 20)
    )

    result = window_engagement(START, END)

    assert result.sample_size == 16
    assert result.breakdown["sessions"] == 11


def test_an_empty_window_has_no_active_users():
    result = window_engagement(START, START + dt.timedelta(hours=1))
    assert (result.value, result.sample_size) == (0, 0)


def test_windows_counted_together_equal_each_counted_raw(events):
    ann, _ = events
    # A session running past the start of the second window: each window
    # counts it once, as the raw computation of that window does.
    UserEngagementMetricFactory(
        user=ann, session_id="a-2025-03-04", timestamp=local("2025-03-04", 16)
    )
    _collect("2025-03-05", "2025-03-05")
    windows = [
        (START, END),
        (local("2025-03-04", 14), local("2025-03-06")),
        (local("2025-03-07"), local("2025-03-08")),  # today, partly ahead
        (local("2025-03-09"), local("2025-03-10")),  # nothing in it
    ]

    together = windows_engagement(windows)

    for (start, end), result in zip(windows, together, strict=True):
        raw = user_engagement(start, end).get(ORG)
        if raw is None:
            assert (result.value, result.sample_size) == (0, 0)
            continue
        assert (result.value, result.sample_size) == (raw.value, raw.sample_size)
        # (The raw result of a short window also carries DAU/WAU/MAU.)
        assert result.breakdown == {k: raw.breakdown[k] for k in result.breakdown}


def test_windows_counted_together_run_one_query_per_raw_rest(
    events, django_assert_num_queries
):
    _collect("2025-03-04", "2025-03-06")
    windows = [(START, END), (local("2025-03-01"), START), (local("2025-03-07"), END)]
    # The stored days of every window (one), their active users (one), each
    # window's raw rest, types included (one each), whatever the events.
    with django_assert_num_queries(5):
        windows_engagement(windows)


def test_a_type_no_longer_among_the_choices_is_still_counted(events):
    ann, _ = events
    # A type stored before it left the choices: the types are counted apart.
    UserEngagementMetric.objects.filter(
        user=ann, engagement_type=E.SEARCH, timestamp__gte=local("2025-03-07")
    ).update(engagement_type="retired_type")
    _collect("2025-03-04", "2025-03-06")
    raw = user_engagement(START, END)[ORG]

    result = window_engagement(START, END)

    assert result.breakdown["events_by_type"] == raw.breakdown["events_by_type"]
    assert result.breakdown["events_by_type"]["retired_type"] == 1
