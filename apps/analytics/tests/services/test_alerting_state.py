"""The pure state machine, driven by a clock the test holds."""

import datetime as dt

from apps.analytics.services.alerting_state import (
    FIRING,
    INACTIVE,
    PENDING,
    RESOLVED,
    AlertFacts,
    matches,
    step,
)

T0 = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
FOR = dt.timedelta(minutes=5)
REPEAT = dt.timedelta(hours=4)


def minutes(n):
    return T0 + dt.timedelta(minutes=n)


def run(facts, condition, at, muted=False):
    """Evaluate once and fold the outcome back into facts, as the database does."""
    outcome = step(
        facts, condition=condition, now=at, for_duration=FOR, repeat=REPEAT, muted=muted
    )
    if outcome.state == INACTIVE and outcome.since is None:
        return None, outcome
    notified = facts.last_notified_at if facts else None
    notified_state = facts.last_notified_state if facts else ""
    if outcome.notify:
        notified, notified_state = at, outcome.notify
    return (
        AlertFacts(
            outcome.state, outcome.since, outcome.firing_since, notified, notified_state
        ),
        outcome,
    )


def test_a_false_condition_with_no_alert_stays_inactive_and_silent():
    outcome = step(None, condition=False, now=T0, for_duration=FOR, repeat=REPEAT)
    assert (outcome.state, outcome.notify) == (INACTIVE, None)


def test_a_pending_that_clears_before_for_never_notifies():
    facts, first = run(None, True, T0)
    assert (first.state, first.notify, first.since) == (PENDING, None, T0)
    facts, second = run(facts, True, minutes(4))
    assert (second.state, second.notify) == (PENDING, None)
    facts, cleared = run(facts, False, minutes(4.5))
    assert (cleared.state, cleared.notify, cleared.ended_at) == (
        INACTIVE,
        None,
        minutes(4.5),
    )


def test_pending_fires_once_for_has_elapsed_and_notifies_once():
    facts, _ = run(None, True, T0)
    facts, fired = run(facts, True, minutes(5))
    assert (fired.state, fired.notify, fired.firing_since) == (
        FIRING,
        FIRING,
        minutes(5),
    )
    sent = [fired.notify]
    for n in range(6, 11):  # evaluated five more times while firing
        facts, again = run(facts, True, minutes(n))
        sent.append(again.notify)
    assert sent == [FIRING, None, None, None, None, None]


def test_a_zero_for_fires_at_the_first_evaluation():
    outcome = step(
        None, condition=True, now=T0, for_duration=dt.timedelta(0), repeat=REPEAT
    )
    assert (outcome.state, outcome.notify) == (FIRING, FIRING)


def test_a_still_firing_alert_is_announced_again_each_repeat_interval():
    facts, _ = run(None, True, T0)
    facts, _ = run(facts, True, minutes(5))
    facts, before = run(facts, True, minutes(5 + 239))
    facts, at_repeat = run(facts, True, minutes(5 + 240))
    facts, after = run(facts, True, minutes(5 + 241))
    assert (before.notify, at_repeat.notify, after.notify) == (None, FIRING, None)


def test_resolve_is_announced_once_and_ends_the_alert():
    facts, _ = run(None, True, T0)
    facts, _ = run(facts, True, minutes(5))
    facts, resolved = run(facts, False, minutes(9))
    assert (resolved.state, resolved.notify, resolved.ended_at) == (
        RESOLVED,
        RESOLVED,
        minutes(9),
    )
    # The next true condition starts a new alert from pending.
    _, fresh = run(facts, True, minutes(10))
    assert (fresh.state, fresh.since, fresh.notify) == (PENDING, minutes(10), None)


def test_muted_firing_keeps_its_state_but_sends_nothing_until_unmuted():
    facts, _ = run(None, True, T0)
    facts, fired = run(facts, True, minutes(5), muted=True)
    assert (fired.state, fired.notify, fired.muted) == (FIRING, None, True)
    facts, still = run(facts, True, minutes(6), muted=True)
    assert (still.state, still.notify) == (FIRING, None)
    # The silence ends: the firing that was never announced is announced now.
    facts, unmuted = run(facts, True, minutes(7))
    assert (unmuted.state, unmuted.notify) == (FIRING, FIRING)


def test_a_muted_resolve_is_not_announced_and_an_unannounced_firing_has_no_resolve():
    facts, _ = run(None, True, T0)
    facts, _ = run(facts, True, minutes(5))
    _, muted = run(facts, False, minutes(6), muted=True)
    assert (muted.state, muted.notify, muted.muted) == (RESOLVED, None, True)
    never_announced, _ = run(None, True, T0)
    never_announced, _ = run(never_announced, True, minutes(5), muted=True)
    _, quiet = run(never_announced, False, minutes(6))
    assert (quiet.state, quiet.notify, quiet.muted) == (RESOLVED, None, False)


def test_matchers_need_every_label_equal():
    labels = {"component": "database", "severity": "warning"}
    assert matches({"component": "database"}, labels)
    assert matches({}, labels)
    assert not matches({"component": "database", "severity": "critical"}, labels)
    assert not matches({"team": "Alpha"}, labels)
