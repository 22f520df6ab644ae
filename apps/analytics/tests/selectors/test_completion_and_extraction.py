"""Debriefing completion and data extraction accuracy on hand-built data."""

import datetime as dt

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.analytics.services import AnalyticsService
from apps.analytics.tests.conftest import local
from apps.debriefings.models import DebriefingStatus as S
from apps.debriefings.models import ReviewStatus as R
from apps.debriefings.tests.factories import DebriefingFactory, ExtractedFieldFactory
from apps.meetings.models import MeetingType
from apps.meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
DAY = ("2026-11-10", "2026-11-11")
service = AnalyticsService()


def debriefing(owner, ended_at, status, minutes_to_complete=None, **meeting):
    meeting = MeetingFactory(
        owner=owner,
        start_time=ended_at - dt.timedelta(minutes=30),
        end_time=ended_at,
        **meeting,
    )
    completed_at = (
        ended_at + dt.timedelta(minutes=minutes_to_complete)
        if minutes_to_complete is not None
        else None
    )
    return DebriefingFactory(meeting=meeting, status=status, completed_at=completed_at)


@pytest.fixture
def completion_data():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    debriefing(alice, local("2026-11-10", 9), S.COMPLETED, 30)
    debriefing(alice, local("2026-11-10", 11), S.COMPLETED, 90)
    debriefing(alice, local("2026-11-10", 14), S.SKIPPED)
    debriefing(alice, local("2026-11-10", 16), S.PENDING)
    # Internal meetings need no debriefing, even when one exists.
    debriefing(
        alice,
        local("2026-11-10", 17),
        S.PENDING,
        detected_type=MeetingType.INTERNAL,
        requires_debriefing=False,
    )
    # Exactly on the boundaries: midnight belongs to the day that starts then.
    debriefing(bob, local("2026-11-10"), S.COMPLETED, 10)
    debriefing(bob, local("2026-11-11"), S.PENDING)
    return alice, bob


def test_completion_for_a_user_counts_skipped_as_due_not_completed(completion_data):
    alice, _ = completion_data
    result = service.calculate_debriefing_completion_rate(
        local(DAY[0]), local(DAY[1]), user=alice
    )
    assert result.value == 0.5
    assert (result.numerator, result.denominator, result.sample_size) == (2, 4, 4)
    assert result.user_id == alice.pk
    assert result.breakdown == {
        "completed": 2,
        "skipped": 1,
        "overdue": 0,
        "pending": 1,
        "median_minutes_to_complete": 60.0,
    }


def test_completion_for_everyone_pools_numerators_and_denominators(completion_data):
    result = service.calculate_debriefing_completion_rate(local(DAY[0]), local(DAY[1]))
    # (2 + 1) / (4 + 1), not the mean of 0.5 and 1.0.
    assert result.value == 0.6
    assert (result.numerator, result.denominator) == (3, 5)
    assert result.breakdown["median_minutes_to_complete"] == 30.0


def test_completion_of_some_users_together(completion_data):
    alice, bob = completion_data
    together = service.calculate_debriefing_completion_rate(
        local(DAY[0]), local(DAY[1]), users=[alice, bob.pk]
    )
    assert (together.numerator, together.denominator) == (3, 5)
    by_user = service.calculate_by_user(
        "debriefing_completion", local(DAY[0]), local(DAY[1])
    )
    assert by_user[bob.pk].value == 1.0
    assert by_user[bob.pk].breakdown["median_minutes_to_complete"] == 10.0


def test_overdue_counts_what_was_not_done_48_hours_after_the_meeting_by_period_end():
    rep = UserFactory()
    week = (local("2026-11-09"), local("2026-11-16"))
    debriefing(rep, local("2026-11-09", 9), S.PENDING)  # overdue
    debriefing(rep, local("2026-11-10", 9), S.IN_PROGRESS)  # overdue
    # Completed, but only after the week ended: still overdue as of its end.
    debriefing(rep, local("2026-11-11", 9), S.COMPLETED, 60 * 24 * 6)
    debriefing(rep, local("2026-11-14", 9), S.PENDING)  # under 48 h before the end
    debriefing(rep, local("2026-11-09", 10), S.SKIPPED)  # skipped is never overdue
    debriefing(rep, local("2026-11-09", 11), S.COMPLETED, 120)
    result = service.calculate_debriefing_completion_rate(*week, user=rep)
    assert result.breakdown["overdue"] == 3
    assert (result.numerator, result.denominator) == (2, 6)


def test_a_period_with_no_due_debriefing_has_no_value():
    result = service.calculate_debriefing_completion_rate(local(DAY[0]), local(DAY[1]))
    assert result.value is None
    assert (result.numerator, result.denominator, result.sample_size) == (0, 0, 0)
    assert result.breakdown["median_minutes_to_complete"] is None


@pytest.fixture
def extraction_data():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    alice_debriefing = DebriefingFactory(meeting__owner=alice)
    bob_debriefing = DebriefingFactory(meeting__owner=bob)

    def field(on, name, status, confidence, reviewed_at):
        return ExtractedFieldFactory(
            debriefing=on,
            field_name=name,
            review_status=status,
            confidence=confidence,
            reviewed_at=reviewed_at,
        )

    field(alice_debriefing, "budget", R.ACCEPTED, 0.9, local("2026-11-10", 9))
    field(alice_debriefing, "budget", R.REJECTED, 0.5, local("2026-11-10", 10))
    field(alice_debriefing, "timeline", R.CORRECTED, 0.6, local("2026-11-10", 23, 59))
    field(alice_debriefing, "timeline", R.UNREVIEWED, 0.99, None)
    field(alice_debriefing, "budget", R.ACCEPTED, 0.1, local("2026-11-09", 23, 59))
    field(bob_debriefing, "budget", R.ACCEPTED, 1.0, local("2026-11-10"))
    return alice, bob


def test_extraction_accuracy_for_a_user_with_breakdowns(extraction_data):
    alice, _ = extraction_data
    result = service.calculate_data_extraction_accuracy(
        local(DAY[0]), local(DAY[1]), user=alice
    )
    assert result.value == 1 / 3
    assert (result.numerator, result.denominator) == (1, 3)
    assert result.breakdown["accepted"] == 1
    assert result.breakdown["corrected"] == 1
    assert result.breakdown["rejected"] == 1
    assert result.breakdown["mean_confidence"] == round(2.0 / 3, 4)
    assert result.breakdown["calibration"] == round(2.0 / 3 - 1 / 3, 4)
    assert result.breakdown["by_field"] == {
        "budget": {
            "reviewed": 2,
            "accepted": 1,
            "accuracy": 0.5,
            "mean_confidence": 0.7,
        },
        "timeline": {
            "reviewed": 1,
            "accepted": 0,
            "accuracy": 0.0,
            "mean_confidence": 0.6,
        },
    }


def test_extraction_accuracy_for_everyone(extraction_data):
    result = service.calculate_data_extraction_accuracy(local(DAY[0]), local(DAY[1]))
    assert (result.numerator, result.denominator, result.value) == (2, 4, 0.5)
    assert result.breakdown["by_field"]["budget"] == {
        "reviewed": 3,
        "accepted": 2,
        "accuracy": round(2 / 3, 4),
        "mean_confidence": 0.8,
    }
    assert result.breakdown["mean_confidence"] == 0.75
    assert result.breakdown["calibration"] == 0.25


def test_unreviewed_fields_alone_leave_accuracy_undefined():
    ExtractedFieldFactory(review_status=R.UNREVIEWED, reviewed_at=None)
    result = service.calculate_data_extraction_accuracy(local(DAY[0]), local(DAY[1]))
    assert result.value is None
    assert result.breakdown["calibration"] is None
    assert result.breakdown["by_field"] == {}
