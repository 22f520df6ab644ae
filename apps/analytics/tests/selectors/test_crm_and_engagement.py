"""CRM sync success and user engagement on hand-built data."""

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import EngagementType as E
from apps.analytics.services import AnalyticsService
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import UserEngagementMetricFactory
from apps.crm.models import SyncDirection as D
from apps.crm.models import SyncStatus as S
from apps.crm.tests.factories import CRMSyncLogFactory

pytestmark = pytest.mark.django_db
DAY = (local("2026-11-10"), local("2026-11-11"))
service = AnalyticsService()


@pytest.fixture
def syncs():
    rep = UserFactory()
    for hour, ms in [(9, 100), (10, 200), (11, 300)]:
        CRMSyncLogFactory(
            user=rep, attempted_at=local("2026-11-10", hour), duration_ms=ms
        )
    CRMSyncLogFactory(
        user=rep,
        attempted_at=local("2026-11-10", 12),
        status=S.FAILED,
        direction=D.PULL,
        provider="hubspot",
        duration_ms=1000,
        error="Timeout",
    )
    # No user: counts only in the organisation's figure.
    CRMSyncLogFactory(
        user=None,
        attempted_at=local("2026-11-10", 13),
        status=S.CONFLICT,
        duration_ms=None,
        error="Conflict",
    )
    CRMSyncLogFactory(user=rep, attempted_at=local("2026-11-11"), status=S.FAILED)
    return rep


def test_crm_sync_success_for_a_user(syncs):
    result = service.calculate_crm_sync_success_rate(*DAY, user=syncs)
    assert (result.value, result.numerator, result.denominator) == (0.75, 3, 4)
    assert result.breakdown["failed"] == 1
    assert result.breakdown["conflict"] == 0
    assert result.breakdown["by_direction"] == {
        "pull": {"attempts": 1, "success": 0, "success_rate": 0.0},
        "push": {"attempts": 3, "success": 3, "success_rate": 1.0},
    }
    assert result.breakdown["mean_duration_ms"] == 400.0
    # percentile_cont: position 0.95 * 3 = 2.85 between 300 and 1000.
    assert result.breakdown["p95_duration_ms"] == 895.0
    assert result.breakdown["top_errors"] == [{"error": "Timeout", "count": 1}]


def test_crm_sync_success_for_the_organisation_includes_userless_attempts(syncs):
    result = service.calculate_crm_sync_success_rate(*DAY)
    assert (result.value, result.numerator, result.denominator) == (0.6, 3, 5)
    assert result.breakdown["conflict"] == 1
    assert result.breakdown["by_provider"] == {
        "hubspot": {"attempts": 1, "success": 0, "success_rate": 0.0},
        "salesforce": {"attempts": 4, "success": 3, "success_rate": 0.75},
    }
    assert result.breakdown["mean_duration_ms"] == 400.0  # the untimed one is left out
    assert result.breakdown["p95_duration_ms"] == 895.0
    assert result.breakdown["top_errors"] == [
        {"error": "Conflict", "count": 1},
        {"error": "Timeout", "count": 1},
    ]


@pytest.fixture
def engagement():
    alice, bob, carol = (UserFactory(username=n) for n in ("alice", "bob", "carol"))

    def event(user, kind, at, session, seconds=None):
        UserEngagementMetricFactory(
            user=user,
            engagement_type=kind,
            timestamp=at,
            session_id=session,
            duration_seconds=seconds,
        )

    event(alice, E.LOGIN, local("2026-11-10", 9), "a1")
    event(alice, E.DASHBOARD_VIEW, local("2026-11-10", 9, 1), "a1", 60)
    event(alice, E.MEETING_VIEW, local("2026-11-10", 15), "a2", 120)
    event(alice, E.LOGIN, local("2026-11-11"), "a3")  # the next day
    event(bob, E.LOGIN, local("2026-11-10"), "b1")  # the first instant of the day
    event(carol, E.LOGIN, local("2026-11-07", 10), "c1")  # within the last 7 days
    event(carol, E.LOGIN, local("2026-10-12", 10), "c0")  # within the last 30 days
    UserFactory(username="dave")
    event(
        UserFactory(username="erin"), E.LOGIN, local("2026-10-11", 23, 59), "e0"
    )  # 30 days and a minute before the day ends: outside MAU
    return alice, bob, carol


def test_engagement_for_the_organisation_on_a_day(engagement):
    result = service.calculate_user_engagement_metrics(*DAY)
    assert result.value == 2
    assert result.sample_size == 4
    assert result.breakdown == {
        "events": 4,
        "events_by_type": {"dashboard_view": 1, "login": 2, "meeting_view": 1},
        "sessions": 3,
        "mean_session_seconds": 60.0,
        "events_per_active_user": 2.0,
        "dau": 2,
        "wau": 3,
        "mau": 3,
        "stickiness": round(2 / 3, 4),
    }


def test_engagement_for_one_user_has_no_stickiness_and_longer_windows_no_dau(
    engagement,
):
    alice, _, _ = engagement
    mine = service.calculate_user_engagement_metrics(*DAY, user=alice)
    assert mine.value == 1
    assert mine.breakdown["sessions"] == 2
    assert mine.breakdown["mean_session_seconds"] == 90.0
    week = service.calculate_user_engagement_metrics(
        local("2026-11-04"), local("2026-11-11")
    )
    assert week.value == 3
    assert "dau" not in week.breakdown


def test_engagement_on_the_25_hour_day_counts_its_last_hour():
    rep = UserFactory()
    UserEngagementMetricFactory(user=rep, timestamp=local("2026-10-25", 23, 30))
    day = service.calculate_user_engagement_metrics(
        local("2026-10-25"), local("2026-10-26")
    )
    assert day.value == 1
    assert day.breakdown["dau"] == 1
