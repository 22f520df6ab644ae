"""Debriefings reps fill in after meetings, and what the AI extracted from them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel
from apps.meetings.models import UNIT_INTERVAL, Meeting


class DebriefingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped"


class Debriefing(TimeStampedModel):
    """One meeting's debriefing; due when the meeting ends."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="debriefing"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="debriefings"
    )
    status = models.CharField(
        max_length=16,
        choices=DebriefingStatus.choices,
        default=DebriefingStatus.PENDING,
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self):
        return f"Debriefing of {self.meeting} [{self.status}]"

    def save(self, *args, **kwargs):
        if self.owner_id is None and self.meeting_id is not None:
            self.owner_id = self.meeting.owner_id
        super().save(*args, **kwargs)


class ReviewStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    ACCEPTED = "accepted", "Accepted"
    CORRECTED = "corrected", "Corrected"
    REJECTED = "rejected", "Rejected"


class ExtractedField(TimeStampedModel):
    """One value the AI extracted from a debriefing, and the rep's review of it."""

    debriefing = models.ForeignKey(
        Debriefing, on_delete=models.CASCADE, related_name="extracted_fields"
    )
    field_name = models.CharField(max_length=64)
    value = models.TextField(blank=True)
    confidence = models.FloatField(validators=UNIT_INTERVAL)
    review_status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.UNREVIEWED
    )
    corrected_value = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["debriefing_id", "field_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="extracted_field_confidence_0_1",
            )
        ]
        indexes = [models.Index(fields=["field_name", "reviewed_at"])]

    def __str__(self):
        return f"{self.field_name}={self.value!r} ({self.review_status})"


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class CompetitorMention(TimeStampedModel):
    """A competitor named in a debriefing."""

    debriefing = models.ForeignKey(
        Debriefing, on_delete=models.CASCADE, related_name="competitor_mentions"
    )
    competitor_name = models.CharField(max_length=120)
    sentiment = models.CharField(
        max_length=16, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    context = models.TextField(blank=True)
    # The meeting's end time: mentions count in the period the meeting ended in.
    mentioned_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-mentioned_at"]
        indexes = [models.Index(fields=["competitor_name", "mentioned_at"])]

    def __str__(self):
        return f"{self.competitor_name} ({self.sentiment})"
