"""Forget cached analytics when the source data they were computed from changes.

Engagement events are left out on purpose: they arrive constantly, and a dashboard
showing engagement up to its cache timeout old is the documented trade-off.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from apps.analytics.cache import AnalyticsCache
from apps.crm.models import CRMSyncLog, ParticipantMatch
from apps.debriefings.models import CompetitorMention, Debriefing, ExtractedField
from apps.meetings.models import Meeting, MeetingParticipant

# Cache types whose values are computed from the source apps.
SOURCE_DEPENDENT_TYPES = ("dashboard", "metrics", "reports", "export")
SOURCE_MODELS = (
    Meeting,
    MeetingParticipant,
    Debriefing,
    ExtractedField,
    CompetitorMention,
    ParticipantMatch,
    CRMSyncLog,
)


def invalidate_for_source_change(sender, instance, **kwargs):
    """After commit, forget every source-dependent result and the owner's results."""
    owner_id = getattr(instance, "owner_id", None) or getattr(instance, "user_id", None)

    def invalidate():
        for cache_type in SOURCE_DEPENDENT_TYPES:
            AnalyticsCache.invalidate_type(cache_type)
        if owner_id is not None:
            AnalyticsCache.invalidate_user(owner_id)

    transaction.on_commit(invalidate)


def connect() -> None:
    """Connect the handlers (from AnalyticsConfig.ready)."""
    for model in SOURCE_MODELS:
        uid = f"analytics-invalidate-{model._meta.label_lower}"
        post_save.connect(invalidate_for_source_change, sender=model, dispatch_uid=uid)
        post_delete.connect(
            invalidate_for_source_change, sender=model, dispatch_uid=f"{uid}-delete"
        )
