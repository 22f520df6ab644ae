import factory
from django.utils import timezone

from apps.crm.models import (
    CRMSyncLog,
    Lead,
    MatchStatus,
    ParticipantMatch,
    SyncDirection,
    SyncStatus,
)
from apps.meetings.tests.factories import MeetingParticipantFactory


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    crm_id = factory.Sequence(lambda n: f"CRM-{n:06d}")
    email = factory.Sequence(lambda n: f"lead{n}@customer.example")
    name = factory.Sequence(lambda n: f"Lead {n}")
    company = "Customer Inc."


class ParticipantMatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipantMatch

    participant = factory.SubFactory(MeetingParticipantFactory)
    lead = factory.SubFactory(LeadFactory)
    match_confidence = 0.8
    status = MatchStatus.AUTO_MATCHED


class CRMSyncLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CRMSyncLog

    user = None
    entity_type = "meeting"
    entity_id = factory.Sequence(str)
    direction = SyncDirection.PUSH
    provider = "salesforce"
    status = SyncStatus.SUCCESS
    duration_ms = 250
    attempted_at = factory.LazyFunction(timezone.now)
