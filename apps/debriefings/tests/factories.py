import factory

from apps.debriefings.models import (
    CompetitorMention,
    Debriefing,
    DebriefingStatus,
    ExtractedField,
    ReviewStatus,
    Sentiment,
)
from apps.meetings.tests.factories import MeetingFactory


class DebriefingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debriefing

    meeting = factory.SubFactory(MeetingFactory)
    owner = factory.LazyAttribute(lambda d: d.meeting.owner)
    status = DebriefingStatus.PENDING


class ExtractedFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtractedField

    debriefing = factory.SubFactory(DebriefingFactory)
    field_name = "budget"
    value = "50k EUR"
    confidence = 0.8
    review_status = ReviewStatus.UNREVIEWED


class CompetitorMentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetitorMention

    debriefing = factory.SubFactory(DebriefingFactory)
    competitor_name = "Acme"
    sentiment = Sentiment.NEUTRAL
    mentioned_at = factory.LazyAttribute(lambda c: c.debriefing.meeting.end_time)
