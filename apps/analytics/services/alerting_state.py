"""The alert state machine, pure: no database, no clock, no I/O, so every
transition is testable with a time given by the test.

Per fingerprint: inactive -> pending (condition true, `for` not yet elapsed) ->
firing -> resolved. A pending alert whose condition clears goes back to inactive
and never notifies. A firing alert notifies once on firing, again every repeat
interval while it stays firing, and once on resolving; silences, acknowledgement
and inhibition (a critical alert of the same component) mute notifications but
never change the state.
"""

import dataclasses
import datetime as dt

INACTIVE = "inactive"
PENDING = "pending"
FIRING = "firing"
RESOLVED = "resolved"


@dataclasses.dataclass(frozen=True)
class AlertFacts:
    """What the machine needs to know of an open alert (none: inactive)."""

    state: str
    since: dt.datetime
    firing_since: dt.datetime | None = None
    last_notified_at: dt.datetime | None = None
    last_notified_state: str = ""


@dataclasses.dataclass(frozen=True)
class Step:
    """The outcome of one evaluation: the new state and what to announce."""

    state: str
    since: dt.datetime | None
    firing_since: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    notify: str | None = None  # FIRING, RESOLVED or None
    muted: bool = False  # a notification was due but silenced/acked/inhibited


def step(
    facts: AlertFacts | None,
    *,
    condition: bool,
    now: dt.datetime,
    for_duration: dt.timedelta,
    repeat: dt.timedelta,
    muted: bool = False,
) -> Step:
    """Move one fingerprint's alert for a new evaluation of its condition."""
    if facts is None or facts.state in (INACTIVE, RESOLVED):
        if not condition:
            return Step(INACTIVE, None)
        facts = AlertFacts(state=PENDING, since=now)
    if facts.state == PENDING:
        if not condition:
            return Step(INACTIVE, facts.since, ended_at=now)
        if now - facts.since < for_duration:
            return Step(PENDING, facts.since)
        facts = dataclasses.replace(facts, state=FIRING, firing_since=now)
    if not condition:
        # Only a firing that was announced has its end announced.
        due = facts.last_notified_state == FIRING
        return Step(
            RESOLVED,
            facts.since,
            facts.firing_since,
            ended_at=now,
            notify=RESOLVED if due and not muted else None,
            muted=due and muted,
        )
    due = facts.last_notified_state != FIRING or (
        facts.last_notified_at is None or now - facts.last_notified_at >= repeat
    )
    return Step(
        FIRING,
        facts.since,
        facts.firing_since,
        notify=FIRING if due and not muted else None,
        muted=due and muted,
    )


def matches(matchers: dict, labels: dict) -> bool:
    """Tell whether every matcher (label: value) equals the alert's label."""
    return all(str(labels.get(name)) == str(value) for name, value in matchers.items())
