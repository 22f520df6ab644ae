"""Real-time collection: engagement events, quality scores and health readings."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.analytics.health_rules import LOWER_IS_WORSE, derive_status
from apps.analytics.models import (
    DataQualityMetric,
    HealthType,
    QualityType,
    SystemHealthMetric,
    UserEngagementMetric,
)
from apps.analytics.services.engagement import (
    BatchResult,
    check_metadata,
    record_engagement,
    record_engagement_batch,
)

logger = logging.getLogger(__name__)


def _check_unit_interval(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError({name: f"{name} must be a number in [0, 1]."}) from None
    if not 0.0 <= number <= 1.0:
        raise ValidationError({name: f"{name} must be within [0, 1], not {number}."})
    return number


def _check_metadata(metadata) -> dict:
    errors: dict = {}
    value = check_metadata(errors, metadata)  # the same rules as engagement events
    if errors:
        raise ValidationError(errors)
    return value


def _check_choice(name: str, value, choices) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationError(
            {name: f"Unknown {name} {value!r}; expected one of {allowed}."}
        )
    return value


class RealTimeAnalyticsCollector:
    """Record analytics events as they happen; class-level calls, as the spec shows."""

    @classmethod
    def track_user_engagement(
        cls,
        user,
        engagement_type: str,
        session_id: str,
        entity_type: str | None = None,
        entity_id=None,
        duration_seconds: float | None = None,
        metadata: dict | None = None,
        timestamp: dt.datetime | None = None,
        event_id=None,
    ) -> UserEngagementMetric:
        """Store an engagement event, count it live and mark the user active.

        The same `event_id` sent twice is stored once (the stored event is returned).
        Invalid input raises ValidationError naming each bad field; nothing is stored.
        """
        event, _ = record_engagement(
            user,
            {
                "engagement_type": engagement_type,
                "session_id": session_id,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "duration_seconds": duration_seconds,
                "metadata": metadata,
                "timestamp": timestamp,
                "event_id": event_id,
            },
        )
        return event

    @classmethod
    def track_user_engagement_batch(cls, user, events: list[dict]) -> BatchResult:
        """Store up to MAX_BATCH_EVENTS events of one user in one insert, or none."""
        return record_engagement_batch(user, events)

    @classmethod
    def track_data_quality(
        cls,
        *,
        quality_type: str,
        entity_type: str,
        score: float,
        confidence: float,
        field_name: str = "",
        entity_id=None,
        user=None,
        metadata: dict | None = None,
        measured_at: dt.datetime | None = None,
    ) -> DataQualityMetric:
        """Store one data-quality score in [0, 1] with its confidence."""
        _check_choice("quality_type", quality_type, QualityType)
        return DataQualityMetric.objects.create(
            quality_type=quality_type,
            entity_type=entity_type,
            entity_id="" if entity_id is None else str(entity_id),
            field_name=field_name or "",
            score=_check_unit_interval("score", score),
            confidence=_check_unit_interval("confidence", confidence),
            user=user,
            metadata=_check_metadata(metadata),
            measured_at=measured_at or timezone.now(),
        )

    @classmethod
    def track_system_health(
        cls,
        *,
        health_type: str,
        component: str,
        value: float | None,
        unit: str = "",
        warning_threshold: float | None = None,
        critical_threshold: float | None = None,
        higher_is_worse: bool | None = None,
        metadata: dict | None = None,
        timestamp: dt.datetime | None = None,
    ) -> SystemHealthMetric:
        """Store a health reading; its status is derived from the thresholds.

        `higher_is_worse` defaults by type (free disk, success rate, availability:
        lower is worse). `value=None` records the component as unreachable (down).
        """
        _check_choice("health_type", health_type, HealthType)
        if not component:
            raise ValidationError({"component": "component is required."})
        if higher_is_worse is None:
            higher_is_worse = health_type not in LOWER_IS_WORSE
        status = derive_status(
            value,
            warning_threshold,
            critical_threshold,
            higher_is_worse=higher_is_worse,
        )
        reading = SystemHealthMetric.objects.create(
            health_type=health_type,
            component=component,
            value=value,
            unit=unit,
            status=status,
            warning_threshold=warning_threshold,
            critical_threshold=critical_threshold,
            higher_is_worse=higher_is_worse,
            metadata=_check_metadata(metadata),
            timestamp=timestamp or timezone.now(),
        )
        if status != "healthy":
            logger.warning(
                "%s %s is %s: %s%s", component, health_type, status, value, unit
            )
        return reading
