"""Storing engagement events: validation, idempotency by event_id, batches.

`build_event` is the one validator of an event, for the API (which hands it the
parsed JSON body) and the Python collector alike.

Events are stored in the database first (nothing is lost if Redis is down), then
counted in the real-time store once the transaction commits.
"""

import contextlib
import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import dateparse, timezone

from apps.analytics.cache import RealTimeAnalyticsCache
from apps.analytics.limits import (
    MAX_BATCH_EVENTS,
    MAX_CLOCK_SKEW,
    MAX_DURATION_SECONDS,
    MAX_ENTITY_LENGTH,
    MAX_EVENT_AGE,
    MAX_METADATA_BYTES,
    MAX_SESSION_ID_LENGTH,
)
from apps.analytics.models import EngagementType, UserEngagementMetric
from apps.analytics.observability import EVENTS_TRACKED
from apps.analytics.services.engagement_copy import copy_insert
from apps.core.errors import UNSTORABLE, InvalidInput


def _unstorable(value) -> bool:
    """Tell whether any key or string inside JSON data holds unstorable text."""
    if isinstance(value, str):
        return bool(UNSTORABLE.search(value))
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False


def _text(errors, name, value, limit, *, required=False) -> str:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, str | int | float)
    ):
        errors[name] = f"{name} must be text."
        return ""
    text = "" if value is None else str(value).strip()
    if UNSTORABLE.search(text):
        errors[name] = f"{name} must not contain NUL or lone surrogate characters."
    elif required and not text:
        errors[name] = f"{name} is required."
    elif len(text) > limit:
        errors[name] = f"{name} must be at most {limit} characters."
    return text


def _duration(errors, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors["duration_seconds"] = "duration_seconds must be a number of seconds."
    elif not math.isfinite(value) or value < 0:
        errors["duration_seconds"] = "duration_seconds must not be negative."
    elif value > MAX_DURATION_SECONDS:
        errors["duration_seconds"] = (
            f"duration_seconds must be at most {MAX_DURATION_SECONDS} (one day)."
        )
    else:
        return float(value)
    return None


def check_metadata(errors, value) -> dict:
    """Return metadata as a dict ({} for None); note in `errors` why it is bad."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors["metadata"] = "metadata must be a JSON object."
        return {}
    try:
        size = len(json.dumps(value))
    except (TypeError, ValueError):
        errors["metadata"] = "metadata must contain only JSON values."
        return {}
    if _unstorable(value):
        errors["metadata"] = (
            "metadata must not contain NUL or lone surrogate characters."
        )
    elif size > MAX_METADATA_BYTES:
        errors["metadata"] = f"metadata must be at most {MAX_METADATA_BYTES} bytes."
    return value


def _timestamp(errors, value, now):
    if value is None:
        return now
    if isinstance(value, str):  # JSON: ISO 8601, as the API documents
        with contextlib.suppress(ValueError):  # impossible dates: refused below
            value = dateparse.parse_datetime(value.strip()) or value
    if not isinstance(value, dt.datetime):
        errors["timestamp"] = "timestamp must be an ISO 8601 date and time."
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # a naive time is the organisation's
    # Compared before it is converted: converting year 1 or 9999 to UTC overflows.
    if value > now + MAX_CLOCK_SKEW:
        errors["timestamp"] = "timestamp must not be in the future."
    elif value < now - MAX_EVENT_AGE:
        errors["timestamp"] = (
            f"timestamp must not be more than {MAX_EVENT_AGE.days} days in the past."
        )
    else:
        # ISO 8601 allows offsets up to 23:59, PostgreSQL only up to 15:59: store
        # the instant in UTC, which every database takes.
        value = value.astimezone(dt.UTC)
    return value


def _event_id(errors, value):
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        errors["event_id"] = "event_id must be a UUID."
        return None


# Built once: TextChoices.values builds a new list on every access, which cost a
# third of build_event for a batch of 1,000 events.
ENGAGEMENT_TYPES = frozenset(EngagementType.values)


def build_event(user, data: dict, *, now) -> UserEngagementMetric:
    """Validate one event's fields; raise ValidationError naming each bad one."""
    errors: dict = {}
    if getattr(user, "pk", None) is None:
        errors["user"] = "user must be a saved user."
    kind = data.get("engagement_type")
    if not isinstance(kind, str) or kind not in ENGAGEMENT_TYPES:
        allowed = ", ".join(EngagementType.values)
        errors["engagement_type"] = (
            f"Unknown engagement_type {kind!r}; one of {allowed}."
        )
    event = UserEngagementMetric(
        user=user if not errors.get("user") else None,
        engagement_type=kind,
        session_id=_text(
            errors,
            "session_id",
            data.get("session_id"),
            MAX_SESSION_ID_LENGTH,
            required=True,
        ),
        entity_type=_text(
            errors, "entity_type", data.get("entity_type"), MAX_ENTITY_LENGTH
        ),
        entity_id=_text(errors, "entity_id", data.get("entity_id"), MAX_ENTITY_LENGTH),
        duration_seconds=_duration(errors, data.get("duration_seconds")),
        metadata=check_metadata(errors, data.get("metadata")),
        timestamp=_timestamp(errors, data.get("timestamp"), now),
        event_id=_event_id(errors, data.get("event_id")),
    )
    if errors:
        raise ValidationError(errors)
    return event


def _count_live(events) -> None:
    """Count committed events in the real-time store (after the transaction)."""
    if events:
        transaction.on_commit(lambda: RealTimeAnalyticsCache.record_events(events))


def _existing(event_id, user):
    found = UserEngagementMetric.objects.filter(event_id=event_id).first()
    if found is not None and found.user_id != user.pk:
        # Another user's idempotency key: say nothing about their event.
        raise ValidationError({"event_id": "event_id is already used."})
    return found


def record_engagement(
    user, data: dict, *, now=None
) -> tuple[UserEngagementMetric, bool]:
    """Store one event; return (event, created). A repeated event_id is not stored."""
    event = build_event(user, data, now=now or timezone.now())
    try:
        # Insert first, look up only on conflict: a repeat is the rare case, so the
        # common one costs a single round trip. In autocommit the INSERT is its own
        # transaction (no BEGIN and COMMIT around it); inside a caller's
        # transaction a savepoint keeps a conflict from breaking it.
        inner = (
            transaction.atomic()
            if connection.in_atomic_block
            else contextlib.nullcontext()
        )
        with inner:
            event.save()
    except IntegrityError:
        if event.event_id is not None and (found := _existing(event.event_id, user)):
            return found, False
        raise
    EVENTS_TRACKED.labels(source="single").inc()
    _count_live([event])
    return event, True


@dataclass
class BatchResult:
    """What a batch stored: new events, and the ones already stored before."""

    created: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)


def record_engagement_batch(user, items: list, *, now=None) -> BatchResult:
    """Store many events in one insert, or none of them if any is invalid.

    InvalidInput names each bad item by its index under `events`.
    """
    if not isinstance(items, list) or not items:
        raise ValidationError({"events": "events must be a non-empty list."})
    if len(items) > MAX_BATCH_EVENTS:
        raise ValidationError(
            {
                "events": f"A batch holds at most {MAX_BATCH_EVENTS} events, "
                f"not {len(items)}."
            }
        )
    now = now or timezone.now()
    events, errors = [], {}
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValidationError(
                    {"non_field_errors": "Each event must be an object."}
                )
            events.append(build_event(user, item, now=now))
        except ValidationError as exc:
            errors[str(index)] = exc.message_dict
    if errors:
        raise InvalidInput(
            {"events": errors}, f"{len(errors)} of {len(items)} events are invalid."
        )
    for _attempt in range(2):
        try:
            return _insert_new(user, events)
        except IntegrityError:
            continue  # a concurrent request stored one of our event_ids: dedupe again
    raise ValidationError({"events": "The batch conflicts with events being stored."})


def _insert_new(user, events) -> BatchResult:
    if connection.vendor == "postgresql":
        return _copy_new(user, events)
    result = BatchResult()
    ids = [e.event_id for e in events if e.event_id is not None]
    stored = {
        e.event_id: e for e in UserEngagementMetric.objects.filter(event_id__in=ids)
    }
    if any(e.user_id != user.pk for e in stored.values()):
        raise ValidationError({"events": "An event_id of this batch is already used."})
    seen = set()
    for event in events:
        if event.event_id in stored:
            result.duplicates.append(stored[event.event_id])
        elif event.event_id is not None and event.event_id in seen:
            continue  # the same event twice in one batch: stored once
        else:
            seen.add(event.event_id)
            result.created.append(event)
    with transaction.atomic():
        UserEngagementMetric.objects.bulk_create(result.created)
    EVENTS_TRACKED.labels(source="batch").inc(len(result.created))
    _count_live(result.created)
    return result


def _copy_new(user, events) -> BatchResult:
    """Store a batch with COPY, skipping the event_ids already claimed (PostgreSQL).

    The same outcome as the look-up-then-insert path: new events created, the
    event_ids stored before answered as duplicates, an event_id of another user's
    refused with nothing stored.
    """
    unique, seen = [], set()
    for event in events:
        if event.event_id is not None:
            if event.event_id in seen:
                continue  # the same event twice in one batch: stored once
            seen.add(event.event_id)
        unique.append(event)
    result = BatchResult()
    with transaction.atomic():
        stored = copy_insert(unique)
        repeated = [e.event_id for e in unique if e.event_id not in stored]
        before = (
            {
                e.event_id: e
                for e in UserEngagementMetric.objects.filter(event_id__in=repeated)
            }
            if repeated
            else {}
        )
        if any(e.user_id != user.pk for e in before.values()):
            raise ValidationError(
                {"events": "An event_id of this batch is already used."}
            )
        for event in unique:
            if event.event_id is not None and event.event_id not in stored:
                result.duplicates.append(before[event.event_id])
            else:
                result.created.append(event)
    EVENTS_TRACKED.labels(source="batch").inc(len(result.created))
    _count_live(result.created)
    return result
