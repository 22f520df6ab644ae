"""Evaluate the alert rules, move their alerts, announce what is due.

`run_alerts` is what `send_analytics_alerts` runs every minute. Each rule's alert
is moved by the pure state machine (alerting_state) and written with a
conditional UPDATE on its version: of two overlapping runs, only the one whose
update lands announces the change, so nothing is sent twice.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.analytics.health_rules import SEVERITY
from apps.analytics.models import (
    OPEN_ALERT_STATES,
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRule,
    AlertRuleKind,
    AlertSeverity,
    AlertState,
    Anomaly,
    AnomalySeverity,
    Comparison,
    HealthStatus,
    Silence,
    SystemHealthMetric,
)
from apps.analytics.periods import previous_window
from apps.analytics.selectors.snapshots import snapshot
from apps.analytics.services import alerting_channels
from apps.analytics.services.alerting_state import AlertFacts, Step, matches, step

logger = logging.getLogger(__name__)

# The reading status from which a health rule of a severity holds.
HEALTH_TRIGGER = {
    AlertSeverity.WARNING: HealthStatus.WARNING,
    AlertSeverity.CRITICAL: HealthStatus.CRITICAL,
}


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """A rule's condition now: whether it holds, the value and what it is held to."""

    condition: bool
    value: float | None
    threshold: float | None
    detail: str = ""


# --- conditions -------------------------------------------------------------------


def evaluate_rule(rule: AlertRule, now: dt.datetime) -> Evaluation:
    """Compute whether a rule's condition holds at `now`."""
    if rule.kind == AlertRuleKind.HEALTH:
        return _evaluate_health(rule, now)
    if rule.kind == AlertRuleKind.ANOMALY:
        return _evaluate_anomaly(rule, now)
    start = now - dt.timedelta(seconds=rule.window_seconds)
    current = snapshot(rule.metric_type, start, now, _rule_user_ids(rule))["value"]
    if rule.kind == AlertRuleKind.METRIC_THRESHOLD:
        return Evaluation(_compare(rule, current), current, rule.threshold)
    before_start, before_end = previous_window(start, now)
    before = snapshot(rule.metric_type, before_start, before_end, _rule_user_ids(rule))
    previous = before["value"]
    if current is None or not previous:  # no data, or no base to compare with
        return Evaluation(False, None, rule.threshold, "no previous value")
    change = (current - previous) / previous
    return Evaluation(
        _compare(rule, change), change, rule.threshold, f"{previous} -> {current}"
    )


def _evaluate_health(rule: AlertRule, now: dt.datetime) -> Evaluation:
    # The latest reading as of `now` (a replay of history reads the past).
    reading = (
        SystemHealthMetric.objects.filter(
            component=rule.component,
            health_type=rule.health_type,
            timestamp__lte=now,
        )
        .order_by("-timestamp", "-pk")
        .first()
    )
    if reading is None:
        return Evaluation(False, None, None, "no reading")
    trigger = HEALTH_TRIGGER[rule.severity]
    threshold = (
        reading.critical_threshold
        if rule.severity == AlertSeverity.CRITICAL
        else reading.warning_threshold
    )
    holds = SEVERITY.index(reading.status) >= SEVERITY.index(trigger)
    moment = timezone.localtime(reading.timestamp).isoformat(timespec="seconds")
    return Evaluation(
        holds, reading.value, threshold, f"latest reading {reading.status} at {moment}"
    )


# The anomaly severities an anomaly rule of a severity fires on: its own and worse.
ANOMALY_TRIGGER = {
    AlertSeverity.WARNING: [AnomalySeverity.WARNING, AnomalySeverity.CRITICAL],
    AlertSeverity.CRITICAL: [AnomalySeverity.CRITICAL],
}


def _evaluate_anomaly(rule: AlertRule, now: dt.datetime) -> Evaluation:
    """Hold while an anomaly of the rule's series, at or above its severity, was
    seen in the window: its point lies there, or the scan found it there (a daily
    point's timestamp is its day's start, found after the day ended)."""
    start = now - dt.timedelta(seconds=rule.window_seconds)
    rows = Anomaly.objects.filter(
        Q(timestamp__gt=start, timestamp__lte=now)
        | Q(created_at__gt=start, created_at__lte=now, timestamp__lte=now),
        severity__in=ANOMALY_TRIGGER[rule.severity],
    )
    for name in ("metric_type", "component", "health_type"):
        if getattr(rule, name):
            rows = rows.filter(**{name: getattr(rule, name)})
    if rule.user_id is not None:
        rows = rows.filter(user_id=rule.user_id)
    elif rule.team_id is not None:
        rows = rows.filter(team_id=rule.team_id, user__isnull=True)
    else:
        rows = rows.filter(scope_key="organisation")
    worst = rows.order_by("-score", "-timestamp").first()
    if worst is None:
        return Evaluation(False, None, None, "no anomaly in the window")
    moment = timezone.localtime(worst.timestamp).isoformat(timespec="minutes")
    return Evaluation(
        True,
        worst.observed,
        worst.expected,
        f"{worst.severity} anomaly at {moment}: {worst.observed:g} against "
        f"{worst.expected:g} expected (score {worst.score:.3f})",
    )


def _compare(rule: AlertRule, value: float | None) -> bool:
    if value is None or rule.threshold is None:
        return False  # no data is not an incident of a metric
    if rule.comparison == Comparison.BELOW:
        return value < rule.threshold
    return value > rule.threshold


def _rule_user_ids(rule: AlertRule):
    if rule.user_id is not None:
        return [rule.user_id]
    if rule.team_id is not None:
        return list(
            User.objects.filter(team_id=rule.team_id).values_list("pk", flat=True)
        )
    return None


# --- labels, fingerprints, muting -------------------------------------------------


def rule_labels(rule: AlertRule) -> dict:
    """Return the labels of a rule's alert: its own plus name, severity and target."""
    labels = {str(k): str(v) for k, v in (rule.labels or {}).items()}
    labels.update(alertname=rule.name, severity=rule.severity)
    if rule.kind == AlertRuleKind.HEALTH or rule.component:
        labels.update(component=rule.component, health_type=rule.health_type)
    else:
        labels.setdefault("component", rule.metric_type)
        labels["metric_type"] = rule.metric_type
    if rule.team_id is not None:
        labels["team_id"] = str(rule.team_id)
    if rule.user_id is not None:
        labels["user_id"] = str(rule.user_id)
    return labels


def fingerprint(rule: AlertRule, labels: dict) -> str:
    """Identify a rule's alert series: the rule and its labels."""
    payload = json.dumps([rule.pk, labels], sort_keys=True)
    return hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()


def active_silences(now: dt.datetime) -> list[Silence]:
    return list(Silence.objects.filter(starts_at__lte=now, ends_at__gt=now))


def firing_critical_components() -> set[str]:
    """Components with a firing critical alert: their warnings are inhibited."""
    labels = Alert.objects.filter(
        state=AlertState.FIRING, severity=AlertSeverity.CRITICAL
    ).values_list("labels", flat=True)
    return {label.get("component") for label in labels if label.get("component")}


# --- the run ----------------------------------------------------------------------


@dataclasses.dataclass
class RunSummary:
    rules: int = 0
    firing: int = 0
    pending: int = 0
    notifications: int = 0
    failures: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def run_alerts(*, now: dt.datetime | None = None) -> RunSummary:
    """Evaluate every enabled rule once, move its alert, send what is due.

    Critical rules go first so that a critical alert that fires in this run
    already inhibits its component's warning.
    """
    started = time.monotonic()
    now = now or timezone.now()
    summary = RunSummary()
    silences = active_silences(now)
    rules = sorted(
        AlertRule.objects.filter(enabled=True),
        key=lambda r: (r.severity != AlertSeverity.CRITICAL, r.pk),
    )
    for rule in rules:
        summary.rules += 1
        inhibited = (
            firing_critical_components()
            if rule.severity == AlertSeverity.WARNING
            else set()
        )
        _, step_, sent, failed = evaluate_and_move(
            rule, now=now, silences=silences, inhibited=inhibited
        )
        summary.firing += step_.state == AlertState.FIRING
        summary.pending += step_.state == AlertState.PENDING
        summary.notifications += sent
        summary.failures += failed
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def evaluate_and_move(
    rule, *, now, silences=(), inhibited=frozenset(), announce: bool = True
):
    """Evaluate one rule, write its alert's move, announce it if this run won it.

    `announce=False` (replaying history) moves and records without sending.

    Returns (alert or None, step, notifications sent, notifications failed).
    """
    try:
        evaluation = evaluate_rule(rule, now)
    except Exception as exc:  # a broken rule must not stop the others
        logger.exception("alert rule %s could not be evaluated", rule.pk)
        AlertEvent.objects.create(
            rule=rule,
            kind=AlertEventKind.EVALUATION,
            timestamp=now,
            status="error",
            error=f"{type(exc).__name__}: {exc}",
        )
        return None, Step(AlertState.INACTIVE, None), 0, 0
    labels = rule_labels(rule)
    key = fingerprint(rule, labels)
    alert = Alert.objects.filter(fingerprint=key, state__in=OPEN_ALERT_STATES).first()
    muted = (
        any(matches(s.matchers, labels) for s in silences)
        or labels.get("component") in inhibited
        or (alert is not None and alert.acknowledged_at is not None)
    )
    facts = None
    if alert is not None:
        facts = AlertFacts(
            state=alert.state,
            since=alert.since,
            firing_since=alert.firing_since,
            last_notified_at=alert.last_notified_at,
            last_notified_state=alert.last_notified_state,
        )
    outcome = step(
        facts,
        condition=evaluation.condition,
        now=now,
        for_duration=dt.timedelta(seconds=rule.for_seconds),
        repeat=dt.timedelta(hours=settings.ANALYTICS_ALERT_REPEAT_HOURS),
        muted=muted,
    )
    alert, won = _write(rule, alert, outcome, evaluation, labels, key, now)
    AlertEvent.objects.create(
        rule=rule,
        alert=alert,
        kind=AlertEventKind.EVALUATION,
        timestamp=now,
        condition=evaluation.condition,
        value=evaluation.value,
        state=outcome.state,
        status="muted" if outcome.muted else "",
    )
    sent = failed = 0
    if not announce:
        return alert, outcome, 0, 0
    if alert is not None and won and outcome.notify:
        results = alerting_channels.notify(alert, outcome.notify, evaluation, now)
        sent, failed = _record_attempts(rule, alert, outcome.notify, results, now)
    announced = (AlertState.FIRING, AlertState.RESOLVED)
    if alert is not None and won and outcome.state in announced:
        # Alertmanager forgets an alert not re-sent within its resolve timeout,
        # so a firing alert is pushed every run (it deduplicates by labels).
        pushed = alerting_channels.push_to_alertmanager(alert, evaluation, now)
        _record_attempts(rule, alert, outcome.state, pushed, now)
    return alert, outcome, sent, failed


def _record_attempts(rule, alert, state, results, now) -> tuple[int, int]:
    """Record each notification attempt as an AlertEvent; return (sent, failed)."""
    sent = failed = 0
    for result in results:
        sent += result.ok
        failed += not result.ok
        AlertEvent.objects.create(
            rule=rule,
            alert=alert,
            kind=AlertEventKind.NOTIFICATION,
            timestamp=now,
            state=state,
            channel=result.channel,
            status="sent" if result.ok else "failed",
            error=result.error,
        )
    return sent, failed


def _write(rule, alert, outcome: Step, evaluation, labels, key, now):
    """Store a move; return (alert or None, whether this run's write landed)."""
    notified = (
        {"last_notified_at": now, "last_notified_state": outcome.notify}
        if outcome.notify
        else {}
    )
    fields = {
        "state": outcome.state,
        "value": evaluation.value,
        "firing_since": outcome.firing_since,
        "ended_at": outcome.ended_at,
        "last_evaluated_at": now,
        **notified,
    }
    if alert is None:
        if outcome.state == AlertState.INACTIVE:
            return None, False
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    rule=rule,
                    fingerprint=key,
                    labels=labels,
                    severity=rule.severity,
                    since=outcome.since,
                    **fields,
                )
        except IntegrityError:  # an overlapping run opened it first
            return None, False
        return alert, True
    won = Alert.objects.filter(pk=alert.pk, version=alert.version).update(
        version=F("version") + 1, labels=labels, **fields
    )
    if won:
        alert.refresh_from_db()
    return alert, bool(won)


def replay_health_history(rules, *, start: dt.datetime, end: dt.datetime) -> RunSummary:
    """Move health rules' alerts through the readings of a past window, silently.

    Each rule is evaluated at the time of each unhealthy reading of its component
    and at the reading after it, the moments its state can change (the demo's
    injected incidents end up as resolved alerts). Nothing is sent.
    """
    summary = RunSummary()
    for rule in sorted(
        rules, key=lambda r: (r.severity != AlertSeverity.CRITICAL, r.pk)
    ):
        if rule.kind != AlertRuleKind.HEALTH:
            continue
        summary.rules += 1
        readings = (
            SystemHealthMetric.objects.filter(
                component=rule.component,
                health_type=rule.health_type,
                timestamp__gte=start,
                timestamp__lte=end,
            )
            .order_by("timestamp", "pk")
            .values_list("timestamp", "status")
        )
        after_bad = False
        for timestamp, status in readings:
            bad = status != HealthStatus.HEALTHY
            if bad or after_bad:  # nothing is sent, so nothing to inhibit either
                _, outcome, _, _ = evaluate_and_move(
                    rule, now=timestamp, announce=False
                )
                summary.firing += outcome.state == AlertState.FIRING
            after_bad = bad
    return summary
