"""Meetings detected from reps' calendars, and who attended them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel

UNIT_INTERVAL = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class MeetingType(models.TextChoices):
    SALES = "sales", "Sales / external"
    INTERNAL = "internal", "Internal"
    OTHER = "other", "Other"


class Meeting(TimeStampedModel):
    """A calendar meeting, its detected type and the type the rep confirmed."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(max_length=255)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(db_index=True)
    calendar_event_id = models.CharField(max_length=255)
    detected_type = models.CharField(max_length=16, choices=MeetingType.choices)
    detection_confidence = models.FloatField(validators=UNIT_INTERVAL)
    # NULL (not "") until the rep confirms: domain.md names it nullable.
    confirmed_type = models.CharField(  # noqa: DJ001
        max_length=16, choices=MeetingType.choices, null=True, blank=True
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Left unset, save() derives it from the type: sales meetings need a debriefing.
    requires_debriefing = models.BooleanField(blank=True)

    class Meta:
        ordering = ["-start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "calendar_event_id"], name="uniq_meeting_owner_event"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gte=models.F("start_time")),
                name="meeting_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(detection_confidence__gte=0)
                & Q(detection_confidence__lte=1),
                name="meeting_detection_confidence_0_1",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "end_time"]),
            models.Index(fields=["owner", "confirmed_at"]),
        ]

    def __str__(self):
        return f"{self.title} ({self.start_time:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if self.requires_debriefing is None:
            kind = self.confirmed_type or self.detected_type
            self.requires_debriefing = kind == MeetingType.SALES
        super().save(*args, **kwargs)


class MeetingParticipant(TimeStampedModel):
    """Someone invited to a meeting; external ones are matched to CRM leads."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="participants"
    )
    email = models.EmailField()
    name = models.CharField(max_length=255, blank=True)
    is_external = models.BooleanField(default=False)

    class Meta:
        ordering = ["meeting_id", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "email"], name="uniq_participant_per_meeting"
            )
        ]
        indexes = [models.Index(fields=["email"])]

    def __str__(self):
        return self.name or self.email
