import datetime as dt

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.analytics.services import AnalyticsService
from apps.analytics.tests.conftest import local
from apps.debriefings.models import Sentiment
from apps.debriefings.tests.factories import CompetitorMentionFactory, DebriefingFactory

pytestmark = pytest.mark.django_db
WEEK = (local("2026-11-09"), local("2026-11-16"))


@pytest.fixture
def mentions():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    alice_call = DebriefingFactory(meeting__owner=alice)
    alice_demo = DebriefingFactory(meeting__owner=alice)
    bob_call = DebriefingFactory(meeting__owner=bob)

    def mention(on, name, at, sentiment=Sentiment.NEUTRAL):
        CompetitorMentionFactory(
            debriefing=on, competitor_name=name, mentioned_at=at, sentiment=sentiment
        )

    # This week: Gong 3 (one spelled differently), Chorus 1.
    mention(alice_call, "Gong", local("2026-11-09"), Sentiment.NEGATIVE)
    mention(alice_demo, "gong ", local("2026-11-12", 10), Sentiment.NEGATIVE)
    mention(bob_call, "Gong", local("2026-11-15", 23, 59), Sentiment.POSITIVE)
    mention(bob_call, "Chorus", local("2026-11-13", 10))
    # The week before: Gong 1, Chorus 2, Clari 1.
    mention(alice_call, "Gong", local("2026-11-02", 10))
    mention(alice_call, "Chorus", local("2026-11-03", 10))
    mention(bob_call, "Chorus", local("2026-11-04", 10))
    mention(bob_call, "Clari", local("2026-11-08", 23, 59))
    # Next week: in neither period.
    mention(bob_call, "Clari", local("2026-11-16"))
    return alice, bob


def test_insights_compare_with_the_previous_period_of_equal_length(mentions):
    insights = AnalyticsService().get_competitive_intelligence_insights(*WEEK)
    assert insights["total_mentions"] == 4
    assert insights["previous_total_mentions"] == 4
    assert insights["meetings_with_mentions"] == 3
    assert insights["users_with_mentions"] == 2
    gong, chorus = insights["competitors"]
    assert gong == {
        "competitor": "Gong",
        "mentions": 3,
        "share_of_voice": 0.75,
        "previous_mentions": 1,
        "change": 2,
        "change_pct": 2.0,
        "share_change": 0.5,
        "sentiment": {"positive": 1, "neutral": 0, "negative": 2},
        "meetings": 3,
        "users": 2,
    }
    assert chorus["share_of_voice"] == 0.25
    assert (chorus["change"], chorus["change_pct"], chorus["share_change"]) == (
        -1,
        -0.5,
        -0.25,
    )
    assert insights["rising"] == ["Gong"]
    assert insights["no_longer_mentioned"] == ["Clari"]


def test_insights_for_one_user_only_count_their_debriefings(mentions):
    _, bob = mentions
    insights = AnalyticsService().get_competitive_intelligence_insights(*WEEK, user=bob)
    assert insights["total_mentions"] == 2
    assert [c["competitor"] for c in insights["competitors"]] == ["Chorus", "Gong"]
    assert insights["previous_total_mentions"] == 2


def test_insights_for_a_quiet_period_are_empty_not_errors():
    insights = AnalyticsService().get_competitive_intelligence_insights(*WEEK)
    assert insights["total_mentions"] == 0
    assert insights["competitors"] == []
    assert insights["rising"] == []


@pytest.mark.parametrize(
    ("window", "first_day_before"),
    [
        # The week after each change: the week before is 169 or 167 hours long.
        (("2026-10-26", "2026-11-02"), "2026-10-19"),
        (("2026-03-30", "2026-04-06"), "2026-03-23"),
        # The week holding each change: 169 or 167 hours, the week before 168.
        (("2026-10-25", "2026-11-01"), "2026-10-18"),
        (("2026-03-29", "2026-04-05"), "2026-03-22"),
    ],
)
def test_the_period_before_starts_at_local_midnight_across_a_clock_change(
    window, first_day_before
):
    call = DebriefingFactory(meeting__owner=UserFactory())
    day_before = dt.date.fromisoformat(first_day_before) - dt.timedelta(days=1)
    # Half an hour after the previous week starts, and half an hour before it.
    CompetitorMentionFactory(
        debriefing=call,
        competitor_name="Gong",
        mentioned_at=local(first_day_before, 0, 30),
    )
    CompetitorMentionFactory(
        debriefing=call,
        competitor_name="Clari",
        mentioned_at=local(day_before.isoformat(), 23, 30),
    )

    insights = AnalyticsService().get_competitive_intelligence_insights(
        *(local(day) for day in window)
    )

    assert insights["no_longer_mentioned"] == ["Gong"]
    assert insights["previous_total_mentions"] == 1
    assert insights["previous_period_start"] == local(first_day_before)


def test_the_default_window_is_the_last_7_local_days_at_the_same_time_of_day():
    # In UTC, as timezone.now() is. 7 x 24 hours before 14:15 on 29 October would be
    # 15:15 on the 22nd (summer time).
    insights = AnalyticsService().get_competitive_intelligence_insights(
        end=local("2026-10-29", 14, 15).astimezone(dt.UTC)
    )
    assert (insights["period_start"], insights["previous_period_start"]) == (
        local("2026-10-22", 14, 15),
        local("2026-10-15", 14, 15),
    )
