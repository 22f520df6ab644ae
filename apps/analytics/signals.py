"""Forget cached analytics when the source data they were computed from changes.

A saved or deleted row makes stale, after the transaction commits, only the cache
types that read its model (SOURCE_DEPENDENTS) and, of those, only the entries that
can hold its owner's data: every organisation entry and every entry whose user set
includes the owner (AnalyticsCache.invalidate_users). A row whose owner cannot be
found counts in no user set's figures, so it forgets the organisation entries only.

Left out on purpose:
- engagement events (UserEngagementMetric): they arrive constantly, and a dashboard
  showing engagement up to its cache timeout old is the documented trade-off;
- PerformanceMetric rollups, which the dashboard's series read: collection writes
  them through apps.core.db.upsert, which sends no signals. The dashboard's key
  includes today's date and its timeout is short, so new rollups show within it.
"""

from django.apps import apps
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from apps.analytics.cache import AnalyticsCache
from apps.analytics.services.partitions import ensure_partitions
from apps.crm.models import CRMSyncLog, ParticipantMatch
from apps.debriefings.models import CompetitorMention, Debriefing, ExtractedField
from apps.meetings.models import Meeting, MeetingParticipant

# The cache types computed from each source model: a new cached type is one line.
# CompetitorMention has none: no cached computation reads competitor mentions yet.
SOURCE_DEPENDENTS = {
    Meeting: ("dashboard",),
    MeetingParticipant: ("dashboard",),
    Debriefing: ("dashboard",),
    ExtractedField: ("dashboard",),
    ParticipantMatch: ("dashboard",),
    CRMSyncLog: ("dashboard",),
}
# How to reach the user whose figures a row counts in, as the selectors scope it.
OWNER_PATHS = {
    Meeting: "owner_id",
    MeetingParticipant: "meeting__owner_id",
    Debriefing: "owner_id",
    ExtractedField: "debriefing__owner_id",
    CompetitorMention: "debriefing__owner_id",
    ParticipantMatch: "participant__meeting__owner_id",
    CRMSyncLog: "user_id",
}


def owner_id(instance) -> int | None:
    """Return the id of the user a source row belongs to, or None if it has none.

    Follows the path through parents already loaded on the instance; at the first
    one not loaded, one query on the parent's table (a parent is deleted after its
    children, so it is still there when a cascade deletes them).
    """
    path = OWNER_PATHS[instance._meta.concrete_model]
    *relations, attribute = path.split("__")
    current = instance
    for depth, name in enumerate(relations):
        field = current._meta.get_field(name)
        if not field.is_cached(current):
            parent_id = getattr(current, field.attname)
            if parent_id is None:
                return None
            rest = "__".join([*relations[depth + 1 :], attribute])
            return (
                field.related_model._base_manager.filter(pk=parent_id)
                .values_list(rest, flat=True)
                .first()
            )
        current = getattr(current, name)
        if current is None:
            return None
    return getattr(current, attribute)


def invalidate_for_source_change(sender, instance, **kwargs):
    """After commit, forget the dependent types' entries that hold the owner's data."""
    cache_types = SOURCE_DEPENDENTS[sender]
    owner = owner_id(instance)  # now: after a delete's commit the parent may be gone
    users = () if owner is None else (owner,)
    transaction.on_commit(
        lambda: AnalyticsCache.invalidate_users(users, cache_types=cache_types)
    )


def make_partitions_after_migrate(sender, using="default", **kwargs) -> None:
    """Create the months' partitions ahead at every migrate (PostgreSQL)."""
    ensure_partitions(connection=connections[using])


def connect() -> None:
    """Connect the handlers (from AnalyticsConfig.ready)."""
    post_migrate.connect(
        make_partitions_after_migrate,
        sender=apps.get_app_config("analytics"),
        dispatch_uid="analytics-partitions-after-migrate",
    )
    for model in SOURCE_DEPENDENTS:
        uid = f"analytics-invalidate-{model._meta.label_lower}"
        post_save.connect(invalidate_for_source_change, sender=model, dispatch_uid=uid)
        post_delete.connect(
            invalidate_for_source_change, sender=model, dispatch_uid=f"{uid}-delete"
        )
