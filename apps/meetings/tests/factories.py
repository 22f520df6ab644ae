import datetime as dt

import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.meetings.models import Meeting, MeetingParticipant, MeetingType


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Meeting {n}")
    start_time = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    end_time = factory.LazyAttribute(lambda m: m.start_time + dt.timedelta(minutes=30))
    calendar_event_id = factory.Sequence(lambda n: f"evt-{n}")
    detected_type = MeetingType.SALES
    detection_confidence = 0.9


class MeetingParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingParticipant

    meeting = factory.SubFactory(MeetingFactory)
    email = factory.Sequence(lambda n: f"guest{n}@customer.example")
    name = factory.Sequence(lambda n: f"Guest {n}")
    is_external = True
