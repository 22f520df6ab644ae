"""CRM leads, participant-to-lead matches, and every synchronisation attempt."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel
from apps.meetings.models import UNIT_INTERVAL, MeetingParticipant


class Lead(TimeStampedModel):
    """A lead as the CRM knows it."""

    crm_id = models.CharField(max_length=64, unique=True)
    email = models.EmailField(db_index=True)
    name = models.CharField(max_length=255, blank=True)
    company = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class MatchStatus(models.TextChoices):
    AUTO_MATCHED = "auto_matched", "Auto-matched (unreviewed)"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    CORRECTED = "corrected", "Corrected"
    UNMATCHED = "unmatched", "Unmatched"


class ParticipantMatch(TimeStampedModel):
    """The lead a meeting participant was matched to, and the rep's review."""

    participant = models.OneToOneField(
        MeetingParticipant, on_delete=models.CASCADE, related_name="match"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="matches"
    )
    match_confidence = models.FloatField(validators=UNIT_INTERVAL)
    status = models.CharField(
        max_length=16, choices=MatchStatus.choices, default=MatchStatus.AUTO_MATCHED
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name_plural = "participant matches"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(match_confidence__gte=0) & Q(match_confidence__lte=1),
                name="participant_match_confidence_0_1",
            )
        ]
        indexes = [models.Index(fields=["status", "reviewed_at"])]

    def __str__(self):
        return f"{self.participant} -> {self.lead} ({self.status})"


class SyncDirection(models.TextChoices):
    PUSH = "push", "Push to CRM"
    PULL = "pull", "Pull from CRM"


class SyncStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    CONFLICT = "conflict", "Conflict"


class CRMSyncLog(TimeStampedModel):
    """One synchronisation attempt with the CRM."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crm_sync_logs",
    )
    entity_type = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=64, blank=True)
    direction = models.CharField(max_length=8, choices=SyncDirection.choices)
    provider = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=SyncStatus.choices)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempted_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "CRM sync log"
        ordering = ["-attempted_at"]
        indexes = [
            models.Index(fields=["user", "attempted_at"]),
            models.Index(fields=["provider", "attempted_at"]),
        ]

    def __str__(self):
        return f"{self.direction} {self.entity_type} via {self.provider}: {self.status}"
