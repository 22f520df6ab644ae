"""Debriefings of sales meetings, the fields extracted from them, competitor talk."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.debriefings.models import (
    CompetitorMention,
    Debriefing,
    DebriefingStatus,
    ExtractedField,
    ReviewStatus,
    Sentiment,
)
from apps.demo.base import HOUR, Timeline, bulk, clamp
from apps.demo.meetings import PlannedMeeting
from apps.demo.vocabulary import (
    COMPETITORS,
    FIELD_PRESENCE,
    FIELD_VALUES,
    MENTION_CONTEXTS,
)
from apps.meetings.models import MeetingType

SKIP_RATE = 0.06
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class PlannedDebriefing:
    """A created debriefing and the meeting it belongs to."""

    debriefing: Debriefing
    plan: PlannedMeeting


def create_debriefings(
    rng: random.Random, timeline: Timeline, planned: list[PlannedMeeting]
) -> list[PlannedDebriefing]:
    """Create a debriefing for every meeting that requires one."""
    rows = []
    for plan in planned:
        meeting = plan.meeting
        if not meeting.requires_debriefing:
            continue
        # Detected as something else, the meeting needs a debriefing only once the
        # rep confirms it was a sales meeting.
        ready = meeting.end_time
        if meeting.detected_type != MeetingType.SALES:
            ready = meeting.confirmed_at
        debriefing = _debriefing(rng, timeline, plan, ready)
        rows.append(PlannedDebriefing(debriefing, plan))
    bulk(Debriefing, [row.debriefing for row in rows])
    return rows


def _debriefing(rng, timeline, plan, ready: datetime) -> Debriefing:
    """Build one debriefing at the stage it has reached by `timeline.now`."""
    meeting, now = plan.meeting, timeline.now
    # Reps get into the habit as the period goes on.
    completes = plan.rep.diligence * (0.85 + 0.15 * timeline.progress(plan.day_index))
    draw = rng.random()
    if rng.random() < 0.8:
        delay = HOUR * rng.lognormvariate(0.3, 0.9)  # most within hours
    else:
        delay = HOUR * rng.uniform(24, 144)  # some after days
    status, started_at, completed_at = DebriefingStatus.PENDING, None, None
    if draw < completes and ready + delay <= now:
        status = DebriefingStatus.COMPLETED
        completed_at = (ready + delay).replace(microsecond=0)
        started_at = max(ready, completed_at - MINUTE * rng.uniform(4, 25))
    elif completes <= draw < completes + SKIP_RATE and now - ready > 4 * HOUR:
        status = DebriefingStatus.SKIPPED
    elif rng.random() < 0.3:
        # Opened but not submitted (yet, or ever).
        status = DebriefingStatus.IN_PROGRESS
        started_at = ready + (now - ready) * rng.uniform(0, 0.5)
    return Debriefing(
        meeting_id=meeting.pk,
        owner_id=meeting.owner_id,
        status=status,
        started_at=started_at and started_at.replace(microsecond=0),
        completed_at=completed_at,
    )


def create_extracted_fields(
    rng: random.Random, timeline: Timeline, debriefed: list[PlannedDebriefing]
) -> list[ExtractedField]:
    """Extract fields from completed debriefings; reps review most of them."""
    rows = []
    for row in debriefed:
        debriefing = row.debriefing
        if debriefing.status != DebriefingStatus.COMPLETED:
            continue
        progress = timeline.progress(row.plan.day_index)
        for field_name, presence in FIELD_PRESENCE.items():
            if rng.random() >= presence:
                continue
            values = FIELD_VALUES[field_name]
            value = rng.choice(values)
            confidence = round(clamp(rng.betavariate(5, 1.6), 0.05, 0.999), 3)
            # Slightly overconfident, less so as the model improves over the period.
            correct = rng.random() < confidence - 0.08 + 0.06 * progress
            status, corrected_value, reviewed_at = ReviewStatus.UNREVIEWED, "", None
            if rng.random() < 0.85:
                delay = MINUTE * rng.uniform(1, 30)  # reviewed while submitting
            else:
                delay = HOUR * rng.expovariate(1 / 20)  # reviewed later
            review_at = debriefing.completed_at + delay
            if (
                rng.random() < 0.75 * row.plan.rep.diligence
                and review_at <= timeline.now
            ):
                reviewed_at = review_at.replace(microsecond=0)
                if correct:
                    status = ReviewStatus.ACCEPTED
                elif rng.random() < 0.7:
                    status = ReviewStatus.CORRECTED
                    corrected_value = rng.choice([v for v in values if v != value])
                else:
                    status = ReviewStatus.REJECTED
            rows.append(
                ExtractedField(
                    debriefing_id=debriefing.pk,
                    field_name=field_name,
                    value=value,
                    confidence=confidence,
                    review_status=status,
                    corrected_value=corrected_value,
                    reviewed_at=reviewed_at,
                )
            )
    return bulk(ExtractedField, rows)


def create_competitor_mentions(
    rng: random.Random, timeline: Timeline, debriefed: list[PlannedDebriefing]
) -> list[CompetitorMention]:
    """Name competitors in some completed debriefings; one of them is rising."""
    names = list(COMPETITORS)
    rows = []
    for row in debriefed:
        if row.debriefing.status != DebriefingStatus.COMPLETED:
            continue
        count = rng.choices((0, 1, 2, 3), weights=(55, 33, 10, 2))[0]
        if not count:
            continue
        progress = timeline.progress(row.plan.day_index)
        weights = [
            start + (end - start) * progress**2
            for start, end, _, _ in COMPETITORS.values()
        ]
        chosen: list[str] = []
        while len(chosen) < count:
            name = rng.choices(names, weights=weights)[0]
            if name not in chosen:
                chosen.append(name)
        for name in chosen:
            _, _, positive, neutral = COMPETITORS[name]
            sentiment = rng.choices(
                (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE),
                weights=(positive, neutral, 1 - positive - neutral),
            )[0]
            context = rng.choice(MENTION_CONTEXTS[sentiment]).format(c=name)
            rows.append(
                CompetitorMention(
                    debriefing_id=row.debriefing.pk,
                    competitor_name=name,
                    sentiment=sentiment,
                    context=context,
                    mentioned_at=row.plan.meeting.end_time,
                )
            )
    return bulk(CompetitorMention, rows)
