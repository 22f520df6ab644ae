"""Everything stored about a user, as one JSON archive (GDPR access).

Each table is read a batch at a time and written a row at a time, so an archive of
any size takes little memory; `export_user_data` gathers the same rows into a dict.
"""

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator

from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone

from apps.analytics.models import (
    DataQualityMetric,
    PerformanceMetric,
    Report,
    ReportDelivery,
    UserEngagementMetric,
)
from apps.analytics.selectors.export import DATASETS
from apps.analytics.services.privacy.trail import Origin, record
from apps.core.models import AuditAction, AuditLog
from apps.crm.models import CRMSyncLog, ParticipantMatch
from apps.debriefings.models import CompetitorMention, Debriefing, ExtractedField
from apps.meetings.models import Meeting, MeetingParticipant

ARCHIVE_SCHEMA_VERSION = 1
BATCH_ROWS = 500  # rows read and written per round trip: memory stays flat


def _columns_of(dataset: str) -> tuple[str, ...]:
    """The export's columns of a dataset, less the user (the archive is theirs)."""
    return tuple(c for c in DATASETS[dataset].columns if c != "user_id")


# The same columns as the export: one description of what a row holds.
ENGAGEMENT_FIELDS = _columns_of("engagement")
METRIC_FIELDS = _columns_of("performance")
QUALITY_FIELDS = _columns_of("data_quality")

REPORT_FIELDS = (
    "id",
    "report_type",
    "title",
    "status",
    "period_start",
    "period_end",
    "created_by_id",
    "subject_user_id",
    "parameters",
    "generated_at",
    "created_at",
    "report_data",
)
DELIVERY_FIELDS = (
    "id",
    "report_id",
    "report_type",
    "period_start",
    "period_end",
    "recipient",
    "status",
    "attempts",
    "last_error",
    "sent_at",
    "created_at",
)
AUDIT_FIELDS = (
    "id",
    "user_id",
    "username",
    "action",
    "method",
    "path",
    "parameters",
    "object_ids",
    "status_code",
    "ip_address",
    "created_at",
)


def export_user_data(user, *, actor=None, origin: Origin | None = None) -> dict:
    """Return everything stored about `user` as one JSON-able dict (audited)."""
    origin = origin or Origin.service("export_user_data")
    record(AuditAction.PRIVACY_EXPORT, user, actor, origin)
    return {
        name: list(value) if isinstance(value, Iterator) else value
        for name, value in _archive(user)
    }


def stream_user_data(
    user, *, actor=None, origin: Origin | None = None
) -> Iterator[str]:
    """Return the same archive as JSON text in small pieces, a table row at a time.

    The audit row is written now, before the first piece, so nothing is served
    unaudited.
    """
    origin = origin or Origin.service("stream_user_data")
    record(AuditAction.PRIVACY_EXPORT, user, actor, origin)
    return _json_pieces(_archive(user))


def _archive(user) -> Iterator[tuple[str, object]]:
    """Yield (section, value); table sections are lazy row iterators."""
    yield "schema_version", ARCHIVE_SCHEMA_VERSION
    yield "generated_at", _plain(timezone.now())
    yield "profile", _profile(user)
    yield (
        "engagement_events",
        _rows(UserEngagementMetric.objects.filter(user=user), ENGAGEMENT_FIELDS),
    )
    yield (
        "performance_metrics",
        _rows(PerformanceMetric.objects.filter(user=user), METRIC_FIELDS),
    )
    yield (
        "data_quality",
        _rows(DataQualityMetric.objects.filter(user=user), QUALITY_FIELDS),
    )
    reports = Report.objects.filter(
        models.Q(subject_user=user) | models.Q(created_by=user)
    )
    yield "reports", _rows(reports, REPORT_FIELDS, batch=50)
    yield "report_deliveries", _deliveries_to(user.email)
    yield "audit_by_user", _rows(AuditLog.objects.filter(user=user), AUDIT_FIELDS)
    yield "audit_about_user", _audit_about(user.pk)
    yield "source_data", _source_counts(user)


def _profile(user) -> dict:
    team = user.team
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "team": None if team is None else {"id": team.pk, "name": team.name},
        "is_active": user.is_active,
        "date_joined": _plain(user.date_joined),
        "last_login": _plain(user.last_login),
    }


def _rows(queryset, fields, *, batch=BATCH_ROWS) -> Iterator[dict]:
    """Yield each row as a plain dict, oldest id first, a batch at a time."""
    for row in queryset.order_by("pk").values(*fields).iterator(chunk_size=batch):
        yield {name: _plain(value) for name, value in row.items()}


def _deliveries_to(email: str) -> Iterator[dict]:
    """Yield the delivery ledger rows addressed to `email`.

    Compared after loading rather than in SQL: the recipient column may be
    encrypted at rest, where equality in the database cannot see the address.
    """
    if not email:
        return
    wanted = email.casefold()
    for delivery in ReportDelivery.objects.order_by("pk").iterator(BATCH_ROWS):
        if delivery.recipient.casefold() == wanted:
            yield {name: _plain(getattr(delivery, name)) for name in DELIVERY_FIELDS}


def _audit_about(user_id: int) -> Iterator[dict]:
    """Yield audit rows naming the user among their object ids.

    A text search narrows them in the database on any backend (SQLite has no JSON
    containment); the exact test follows. Reads that covered everyone (`*`) are
    about no one in particular and are not listed.
    """
    wanted = str(user_id)
    candidates = AuditLog.objects.annotate(
        ids_text=Cast("object_ids", models.TextField())
    ).filter(ids_text__contains=json.dumps(wanted))
    for row in _rows(candidates, AUDIT_FIELDS):
        if wanted in row["object_ids"]:
            yield row


def _source_counts(user) -> dict:
    """Return how many rows of the source domain are the user's."""
    return {
        "meetings": Meeting.objects.filter(owner=user).count(),
        "meeting_participants": MeetingParticipant.objects.filter(
            meeting__owner=user
        ).count(),
        "debriefings": Debriefing.objects.filter(owner=user).count(),
        "extracted_fields": ExtractedField.objects.filter(
            debriefing__owner=user
        ).count(),
        "competitor_mentions": CompetitorMention.objects.filter(
            debriefing__owner=user
        ).count(),
        "participant_matches": ParticipantMatch.objects.filter(
            participant__meeting__owner=user
        ).count(),
        "crm_sync_logs": CRMSyncLog.objects.filter(user=user).count(),
    }


def _plain(value):
    """Return a value JSON can hold: local ISO times, UUIDs as text."""
    if isinstance(value, dt.datetime):
        return value.astimezone(timezone.get_current_timezone()).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _json_pieces(sections: Iterable[tuple[str, object]]) -> Iterator[str]:
    """Yield one JSON object, a table row per piece."""
    separator = "{\n"
    for name, value in sections:
        yield f"{separator}{json.dumps(name)}: "
        separator = ",\n"
        if isinstance(value, Iterator):
            yield "["
            comma = ""
            for row in value:
                yield comma + json.dumps(row, ensure_ascii=False)
                comma = ",\n"
            yield "]"
        else:
            yield json.dumps(value, ensure_ascii=False)
    yield "\n}\n"
