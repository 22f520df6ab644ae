"""Calendars: CRM leads, meetings with their detected types, participants, matches."""

import random
from dataclasses import dataclass
from datetime import timedelta

from apps.crm.models import Lead, MatchStatus, ParticipantMatch
from apps.demo.base import HOUR, Timeline, bulk, clamp, poisson
from apps.demo.people import Person
from apps.demo.vocabulary import (
    COMPANY_BASES,
    COMPANY_SUFFIXES,
    FIRST_NAMES,
    INTERNAL_TITLES,
    LAST_NAMES,
    OTHER_TITLES,
    PERSONAL_DOMAINS,
    SALES_TITLES,
)
from apps.meetings.models import Meeting, MeetingParticipant, MeetingType

COMPANIES = 50
TYPE_WEIGHTS = {MeetingType.SALES: 45, MeetingType.INTERNAL: 40, MeetingType.OTHER: 15}
DURATIONS = (15, 30, 30, 45, 60, 60, 90)  # minutes
FIRST_SLOT, LAST_SLOT = 8 * 60, 17 * 60  # half-hour slots a meeting may start at


@dataclass(frozen=True)
class Contact:
    """Someone at a customer; `lead` is None when the CRM does not know them."""

    name: str
    email: str
    lead: Lead | None


# An external participant and who they are.
Guest = tuple[MeetingParticipant, Contact]


@dataclass(frozen=True)
class PlannedMeeting:
    """A created meeting with the truth behind it, which the rows only hint at."""

    meeting: Meeting
    rep: Person
    day_index: int
    true_type: str
    company: str | None


def create_leads(rng: random.Random) -> dict[str, list[Contact]]:
    """Create the customers' contacts; most of them are leads in the CRM."""
    pairs = [(base, suffix) for base in COMPANY_BASES for suffix in COMPANY_SUFFIXES]
    companies, leads = {}, []
    for base, suffix in rng.sample(pairs, COMPANIES):
        name = f"{base} {suffix}"
        domain = f"{base}-{suffix}".lower().replace(" ", "") + ".example"
        contacts = []
        for first, last in rng.sample(_people(), rng.randint(3, 6)):
            email = f"{first}.{last}@{domain}".lower()
            lead = None
            if rng.random() < 0.85:
                crm_id = f"00QDEMO{len(leads) + 1:08d}"
                lead = Lead(
                    crm_id=crm_id, email=email, name=f"{first} {last}", company=name
                )
                leads.append(lead)
            contacts.append(Contact(name=f"{first} {last}", email=email, lead=lead))
        companies[name] = contacts
    bulk(Lead, leads)
    return companies


def all_leads(companies: dict[str, list[Contact]]) -> list[Lead]:
    """Return the leads among the companies' contacts."""
    return [c.lead for contacts in companies.values() for c in contacts if c.lead]


def _people() -> list[tuple[str, str]]:
    """Return every first and last name pair."""
    return [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]


def create_meetings(
    rng: random.Random,
    timeline: Timeline,
    reps: list[Person],
    companies: dict[str, list[Contact]],
) -> list[PlannedMeeting]:
    """Create each rep's meetings, day by day, during local working hours."""
    names = list(companies)
    planned, event_number = [], 0
    for rep in reps:
        # A rep works a handful of accounts, a few of them much more than others.
        accounts = rng.sample(names, rng.randint(6, 12))
        account_weights = [1 / (rank + 1) for rank in range(len(accounts))]
        for index, day in enumerate(timeline.dates):
            count = min(poisson(rng, rep.activity * timeline.usage(index)), 12)
            slots = sorted(rng.sample(range(FIRST_SLOT, LAST_SLOT + 1, 30), count))
            for n, slot in enumerate(slots):
                gap = slots[n + 1] - slot if n + 1 < len(slots) else 90
                start = timeline.at(day, slot)
                end = start + timedelta(minutes=min(rng.choice(DURATIONS), gap))
                true_type = rng.choices(
                    list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values())
                )[0]
                company = None
                if true_type == MeetingType.SALES:
                    company = rng.choices(accounts, weights=account_weights)[0]
                event_number += 1
                meeting = _meeting(rng, timeline, rep, start, end, true_type, company)
                meeting.calendar_event_id = (
                    f"evt{event_number:07d}{rng.getrandbits(32):08x}"
                )
                if end <= timeline.now:  # the calendar's future is not history yet
                    planned.append(
                        PlannedMeeting(meeting, rep, index, true_type, company)
                    )
    bulk(Meeting, [plan.meeting for plan in planned])
    return planned


def _meeting(rng, timeline, rep, start, end, true_type, company) -> Meeting:
    """Build one meeting: its title, detection and the rep's confirmation."""
    if true_type == MeetingType.SALES:
        title = f"{company}: {rng.choice(SALES_TITLES)}"
    elif true_type == MeetingType.INTERNAL:
        title = rng.choice(INTERNAL_TITLES)
    else:
        title = rng.choice(OTHER_TITLES)
    confidence = round(clamp(rng.betavariate(6, 1.8), 0.05, 0.999), 3)
    detected = true_type
    # The detector is wrong more often when it is unsure.
    if rng.random() > 0.35 + 0.65 * confidence:
        detected = rng.choice([kind for kind in TYPE_WEIGHTS if kind != true_type])
    confirmed_type = confirmed_at = None
    if rng.random() < 0.7 * rep.diligence:
        when = end + HOUR * rng.lognormvariate(1.0, 1.0)
        if when <= timeline.now:
            confirmed_type, confirmed_at = true_type, when.replace(microsecond=0)
    return Meeting(
        owner=rep.user,
        title=title,
        start_time=start,
        end_time=end,
        detected_type=detected,
        detection_confidence=confidence,
        confirmed_type=confirmed_type,
        confirmed_at=confirmed_at,
        # What Meeting.save() would derive; bulk_create does not call save().
        requires_debriefing=(confirmed_type or detected) == MeetingType.SALES,
    )


def create_participants(
    rng: random.Random,
    planned: list[PlannedMeeting],
    reps: list[Person],
    companies: dict[str, list[Contact]],
) -> tuple[list[MeetingParticipant], list[Guest]]:
    """Invite colleagues, and customers to sales meetings; return all and guests."""
    by_team: dict[str | None, list[Person]] = {}
    for rep in reps:
        by_team.setdefault(rep.team_name, []).append(rep)
    rows, guests = [], []
    for plan in planned:
        meeting, owner = plan.meeting, plan.rep
        teammates = [rep for rep in by_team[owner.team_name] if rep is not owner]
        if plan.true_type == MeetingType.INTERNAL:
            pool = (
                teammates if rng.random() < 0.8 else [r for r in reps if r is not owner]
            )
            colleagues = rng.sample(pool, min(len(pool), rng.randint(1, 5)))
        elif plan.true_type == MeetingType.SALES and teammates and rng.random() < 0.3:
            colleagues = [rng.choice(teammates)]
        else:
            colleagues = []
        for person in [owner, *colleagues]:
            user = person.user
            rows.append(
                MeetingParticipant(
                    meeting_id=meeting.pk,
                    email=user.email,
                    name=user.get_full_name(),
                    is_external=False,
                )
            )
        invited: list[Contact] = []
        if plan.true_type == MeetingType.SALES:
            contacts = companies[plan.company]
            invited = rng.sample(contacts, min(len(contacts), rng.randint(1, 3)))
        elif plan.true_type == MeetingType.OTHER and rng.random() < 0.4:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{first}.{last}@{rng.choice(PERSONAL_DOMAINS)}".lower()
            invited = [Contact(name=f"{first} {last}", email=email, lead=None)]
        for contact in invited:
            participant = MeetingParticipant(
                meeting_id=meeting.pk,
                email=contact.email,
                name=contact.name,
                is_external=True,
            )
            rows.append(participant)
            guests.append((participant, contact))
    bulk(MeetingParticipant, rows)
    return rows, guests


def create_matches(
    rng: random.Random,
    timeline: Timeline,
    guests: list[Guest],
    planned: list[PlannedMeeting],
    companies: dict[str, list[Contact]],
) -> list[tuple[ParticipantMatch, PlannedMeeting]]:
    """Match external participants to leads; reps review some of the matches."""
    leads = all_leads(companies)
    plan_of = {plan.meeting.pk: plan for plan in planned}
    matched = []
    for participant, contact in guests:
        plan = plan_of[participant.meeting_id]
        true_lead = contact.lead
        if true_lead is not None:
            confidence = clamp(rng.betavariate(6, 2), 0.05, 0.999)
            correct = rng.random() < confidence**0.7
        else:
            confidence = clamp(rng.betavariate(2, 5), 0.01, 0.999)
            correct = False
        lead = true_lead if correct else None
        if not correct and confidence >= 0.4:
            # A confident wrong guess, most likely someone else at the same company.
            near = companies.get(plan.company, [])
            pool = [c.lead for c in near if c.lead and c.lead is not true_lead]
            if not pool or rng.random() < 0.3:
                pool = [other for other in leads if other is not true_lead]
            lead = rng.choice(pool)
        status = MatchStatus.AUTO_MATCHED if lead else MatchStatus.UNMATCHED
        reviewed_at = None
        review_at = plan.meeting.end_time + HOUR * rng.lognormvariate(1.5, 1.2)
        if rng.random() < 0.55 * plan.rep.diligence and review_at <= timeline.now:
            if lead is not None and correct:
                status = MatchStatus.CONFIRMED
            elif true_lead is not None:
                status, lead = MatchStatus.CORRECTED, true_lead
            elif lead is not None:
                status, lead = MatchStatus.REJECTED, None
            if status != MatchStatus.UNMATCHED:
                reviewed_at = review_at.replace(microsecond=0)
        match = ParticipantMatch(
            participant_id=participant.pk,
            lead=lead,
            match_confidence=round(confidence, 3),
            status=status,
            reviewed_at=reviewed_at,
        )
        matched.append((match, plan))
    bulk(ParticipantMatch, [match for match, _ in matched])
    return matched
