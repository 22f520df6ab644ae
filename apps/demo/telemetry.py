"""What the running product records: CRM sync attempts and engagement events."""

import bisect
import random
import uuid
from datetime import timedelta

from apps.accounts.models import Role
from apps.analytics.models import EngagementType, UserEngagementMetric
from apps.crm.models import CRMSyncLog, MatchStatus, ParticipantMatch, SyncStatus
from apps.debriefings.models import DebriefingStatus
from apps.demo.base import (
    CRM_OUTAGE_FAILURE_RATE,
    Incidents,
    Timeline,
    bulk,
    clamp,
    poisson,
)
from apps.demo.debriefings import PlannedDebriefing
from apps.demo.meetings import PlannedMeeting
from apps.demo.people import Person
from apps.demo.vocabulary import CRM_CONFLICT_ERROR, CRM_ERRORS, CRM_OUTAGE_ERROR

SECOND = timedelta(seconds=1)
PULL_HOURS_WEEKDAY = (8, 10, 12, 14, 16, 18)
PULL_HOURS_WEEKEND = (10, 16)
PULL_ENTITIES = ("lead", "opportunity", "account")
# On an ordinary day; pushes may also conflict with edits made in the CRM.
FAILURE_RATE, CONFLICT_RATE = 0.02, 0.015

E = EngagementType
# What each role mostly does once logged in.
ENGAGEMENT_WEIGHTS = {
    Role.MEMBER: {
        E.DASHBOARD_VIEW: 3, E.MEETING_VIEW: 5, E.DEBRIEFING_START: 2,
        E.DEBRIEFING_SUBMIT: 2, E.FIELD_REVIEW: 3, E.MATCH_REVIEW: 2,
        E.CRM_SYNC_TRIGGER: 1, E.REPORT_VIEW: 0.5, E.EXPORT: 0.2, E.SEARCH: 2,
    },
    Role.MANAGER: {
        E.DASHBOARD_VIEW: 6, E.MEETING_VIEW: 3, E.DEBRIEFING_START: 1,
        E.DEBRIEFING_SUBMIT: 1, E.FIELD_REVIEW: 1, E.MATCH_REVIEW: 1,
        E.CRM_SYNC_TRIGGER: 0.5, E.REPORT_VIEW: 3, E.EXPORT: 1, E.SEARCH: 1,
    },
    Role.ADMIN: {
        E.DASHBOARD_VIEW: 5, E.REPORT_VIEW: 3, E.EXPORT: 2, E.SEARCH: 1,
        E.CRM_SYNC_TRIGGER: 0.5,
    },
}  # fmt: skip
MEETING_EVENTS = {E.MEETING_VIEW, E.DEBRIEFING_START, E.DEBRIEFING_SUBMIT}
MEETING_EVENTS |= {E.FIELD_REVIEW, E.MATCH_REVIEW}


def create_sync_logs(
    rng: random.Random,
    timeline: Timeline,
    people: list[Person],
    debriefed: list[PlannedDebriefing],
    matched: list[tuple[ParticipantMatch, PlannedMeeting]],
    incidents: Incidents,
) -> list[CRMSyncLog]:
    """Log scheduled pulls and the pushes that completions and reviews trigger."""
    attempts = []  # (person, direction, entity type, entity id, when)
    for person in people:
        if person.provider is None:
            continue
        for day in timeline.dates:
            hours = PULL_HOURS_WEEKEND if day.weekday() >= 5 else PULL_HOURS_WEEKDAY
            for hour in hours:
                when = timeline.at(day, hour * 60 + rng.randint(0, 9))
                entity = rng.choice(PULL_ENTITIES)
                attempts.append((person, "pull", entity, "", when))
    for row in debriefed:
        debriefing = row.debriefing
        if debriefing.status == DebriefingStatus.COMPLETED:
            when = debriefing.completed_at + SECOND * rng.randint(1, 20)
            attempts.append((row.plan.rep, "push", "debriefing", debriefing.pk, when))
    for match, plan in matched:
        if match.status in (MatchStatus.CONFIRMED, MatchStatus.CORRECTED):
            when = match.reviewed_at + SECOND * rng.randint(1, 20)
            attempts.append((plan.rep, "push", "participant_match", match.pk, when))
    rows = [
        _attempt(rng, timeline, incidents, *attempt)
        for attempt in attempts
        if attempt[4] <= timeline.now
    ]
    return bulk(CRMSyncLog, rows)


def _attempt(rng, timeline, incidents, person, direction, entity, entity_id, when):
    """Build one sync attempt; on the outage day most of them time out."""
    provider = person.provider
    outage = timeline.local_date(when) == incidents.crm_outage_day
    draw = rng.random()
    status, error = SyncStatus.SUCCESS, ""
    duration = rng.lognormvariate(6.0 if direction == "push" else 6.7, 0.5)
    if outage and draw < CRM_OUTAGE_FAILURE_RATE:
        status, error, duration = SyncStatus.FAILED, CRM_OUTAGE_ERROR, 30000
    elif not outage and draw < FAILURE_RATE:
        status, error = SyncStatus.FAILED, rng.choice(CRM_ERRORS[provider])
    elif not outage and direction == "push" and draw < FAILURE_RATE + CONFLICT_RATE:
        status, error = SyncStatus.CONFLICT, CRM_CONFLICT_ERROR
    return CRMSyncLog(
        user_id=person.user.pk,
        entity_type=entity,
        entity_id=str(entity_id),
        direction=direction,
        provider=provider,
        status=status,
        duration_ms=round(duration),
        error=error,
        attempted_at=when,
    )


def create_engagement(
    rng: random.Random,
    timeline: Timeline,
    people: list[Person],
    planned: list[PlannedMeeting],
) -> list[UserEngagementMetric]:
    """Record sessions: a login, then events a few minutes apart, often a logout."""
    ended: dict[int, list] = {}  # user id -> [(end time, meeting id)], sorted
    for plan in planned:
        ended.setdefault(plan.meeting.owner_id, []).append(
            (plan.meeting.end_time, plan.meeting.pk)
        )
    for meetings in ended.values():
        meetings.sort()
    rows = []
    for person in people:
        user = person.user
        weights = ENGAGEMENT_WEIGHTS[user.role]
        meetings = ended.get(user.pk, [])
        for index, day in enumerate(timeline.dates):
            active = person.engagement * timeline.usage(index) * 0.95
            if rng.random() >= active:
                continue
            for _ in range(1 + poisson(rng, 0.6)):
                start = timeline.at(day, rng.randint(8 * 60, 18 * 60))
                session = f"demo-{rng.getrandbits(64):016x}"
                kinds = [E.LOGIN]
                kinds += rng.choices(
                    list(weights),
                    list(weights.values()),
                    k=2 + poisson(rng, 6 * person.engagement),
                )
                if rng.random() < 0.5:
                    kinds.append(E.LOGOUT)
                rows += _session(rng, timeline, user, session, start, kinds, meetings)
    bulk(UserEngagementMetric, rows)
    return rows


def _session(rng, timeline, user, session, start, kinds, meetings):
    """Build the events of one session; nothing happens after `timeline.now`."""
    events, when = [], start
    for kind in kinds:
        if when > timeline.now:
            break
        gap = clamp(rng.expovariate(1 / 150), 10, 900)
        entity_type = entity_id = ""
        if kind in MEETING_EVENTS:
            # Reps open the meetings they have just had.
            end = bisect.bisect(meetings, (when,))
            if recent := meetings[max(0, end - 10) : end]:
                entity_type, entity_id = "meeting", str(rng.choice(recent)[1])
        events.append(
            UserEngagementMetric(
                user_id=user.pk,
                engagement_type=kind,
                session_id=session,
                duration_seconds=None if kind == E.LOGOUT else round(gap, 1),
                entity_type=entity_type,
                entity_id=entity_id,
                timestamp=when.replace(microsecond=0),
                event_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            )
        )
        when += SECOND * gap
    return events
