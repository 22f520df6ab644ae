"""Meeting detection and participant matching accuracy on hand-built data."""

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.analytics.services import AnalyticsService
from apps.analytics.tests.conftest import local
from apps.crm.models import MatchStatus as M
from apps.crm.tests.factories import ParticipantMatchFactory
from apps.meetings.models import MeetingType as T
from apps.meetings.tests.factories import MeetingFactory, MeetingParticipantFactory

pytestmark = pytest.mark.django_db
DAY = (local("2026-11-10"), local("2026-11-11"))
service = AnalyticsService()


def confirmed(owner, detected, actual, at, confidence=0.8):
    return MeetingFactory(
        owner=owner,
        detected_type=detected,
        confirmed_type=actual,
        confirmed_at=at,
        detection_confidence=confidence,
    )


def test_detection_accuracy_confusion_matrix_and_sales_f1():
    rep, other = UserFactory(), UserFactory()
    confirmed(rep, T.SALES, T.SALES, local("2026-11-10", 9), 0.9)
    confirmed(rep, T.SALES, T.SALES, local("2026-11-10", 10), 0.9)
    confirmed(rep, T.SALES, T.INTERNAL, local("2026-11-10", 11), 0.6)
    confirmed(rep, T.INTERNAL, T.SALES, local("2026-11-10", 12), 0.5)
    confirmed(rep, T.OTHER, T.OTHER, local("2026-11-10", 13), 0.6)
    MeetingFactory(owner=rep, detected_type=T.SALES)  # never confirmed
    confirmed(rep, T.SALES, T.OTHER, local("2026-11-11"))  # the next day
    confirmed(other, T.OTHER, T.SALES, local("2026-11-10", 8))

    mine = service.calculate_meeting_detection_accuracy(*DAY, user=rep)
    assert mine.value == 0.6
    assert (mine.numerator, mine.denominator) == (3, 5)
    assert mine.breakdown["confusion_matrix"] == {
        "sales": {"sales": 2, "internal": 1, "other": 0},
        "internal": {"sales": 1, "internal": 0, "other": 0},
        "other": {"sales": 0, "internal": 0, "other": 1},
    }
    assert mine.breakdown["mean_confidence"] == 0.7
    # precision 2/3 (of 3 detected sales), recall 2/3 (of 3 real sales).
    assert mine.breakdown["sales"] == {
        "precision": round(2 / 3, 4),
        "recall": round(2 / 3, 4),
        "f1": round(2 / 3, 4),
    }

    everyone = service.calculate_meeting_detection_accuracy(*DAY)
    assert (everyone.numerator, everyone.denominator) == (3, 6)
    assert everyone.breakdown["sales"]["recall"] == 0.5


def test_detection_f1_is_undefined_when_nothing_was_predicted_sales():
    rep = UserFactory()
    confirmed(rep, T.INTERNAL, T.INTERNAL, local("2026-11-10", 9))
    result = service.calculate_meeting_detection_accuracy(*DAY, user=rep)
    assert result.value == 1.0
    assert result.breakdown["sales"] == {"precision": None, "recall": None, "f1": None}


def test_matching_accuracy_and_match_rate():
    rep = UserFactory()
    meeting = MeetingFactory(
        owner=rep, start_time=local("2026-11-10", 9), end_time=local("2026-11-10", 10)
    )
    earlier = MeetingFactory(
        owner=rep, start_time=local("2026-11-09", 9), end_time=local("2026-11-09", 10)
    )

    def match(on, status, confidence, reviewed_at=None):
        return ParticipantMatchFactory(
            participant=MeetingParticipantFactory(meeting=on),
            status=status,
            match_confidence=confidence,
            reviewed_at=reviewed_at,
        )

    match(meeting, M.CONFIRMED, 0.9, local("2026-11-10", 12))
    match(meeting, M.REJECTED, 0.4, local("2026-11-10", 13))
    match(meeting, M.AUTO_MATCHED, 0.7)
    match(meeting, M.UNMATCHED, 0.0)
    MeetingParticipantFactory(meeting=meeting)  # not processed yet: not matched
    MeetingParticipantFactory(
        meeting=meeting, is_external=False
    )  # colleagues don't count
    # Reviewed today, for yesterday's meeting: counts for accuracy, not for match rate.
    match(earlier, M.CORRECTED, 0.5, local("2026-11-10", 14))

    result = service.calculate_participant_matching_accuracy(*DAY, user=rep)
    assert result.value == 1 / 3
    assert (result.numerator, result.denominator, result.sample_size) == (1, 3, 3)
    assert result.breakdown == {
        "confirmed": 1,
        "rejected": 1,
        "corrected": 1,
        "mean_confidence": 0.6,
        "participants": 5,
        "matched": 2,
        "match_rate": 0.4,
    }


def test_matching_without_reviews_is_undefined_but_keeps_the_match_rate():
    rep = UserFactory()
    meeting = MeetingFactory(
        owner=rep, start_time=local("2026-11-10", 9), end_time=local("2026-11-10", 10)
    )
    ParticipantMatchFactory(
        participant=MeetingParticipantFactory(meeting=meeting), status=M.AUTO_MATCHED
    )
    result = service.calculate_participant_matching_accuracy(*DAY)
    assert result.value is None
    assert result.breakdown["match_rate"] == 1.0
