"""Rules evaluated against the database: transitions written, notifications sent
once, every evaluation and attempt recorded."""

import datetime as dt
import threading

import pytest
from django.db import connection

from apps.analytics.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertRuleKind,
    AlertSeverity,
    AlertState,
    Comparison,
    HealthStatus,
    Silence,
)
from apps.analytics.services import alerting
from apps.analytics.services.realtime import RealTimeAnalyticsCollector
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import ReportFactory
from apps.crm.tests.factories import CRMSyncLogFactory

pytestmark = pytest.mark.django_db

T0 = local("2026-11-10", 9)


def at(minutes):
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def _channels(settings):
    settings.ANALYTICS_ALERT_EMAILS = ["ops@example.com"]
    settings.ANALYTICS_ALERT_WEBHOOK_URL = ""
    settings.ALERTMANAGER_URL = ""
    settings.ANALYTICS_BASE_URL = "https://analytics.example.com"


def gemini_reading(value, minutes):
    """The spec's example reading: warning at 200 ms, critical at 500 ms."""
    return RealTimeAnalyticsCollector.track_system_health(
        health_type="api_response_time",
        component="gemini_api",
        value=value,
        unit="ms",
        warning_threshold=200.0,
        critical_threshold=500.0,
        timestamp=at(minutes),
    )


def health_rule(severity=AlertSeverity.CRITICAL, for_seconds=300, **fields):
    return AlertRule.objects.create(
        name=f"Gemini API slow ({severity})",
        kind=AlertRuleKind.HEALTH,
        severity=severity,
        component="gemini_api",
        health_type="api_response_time",
        for_seconds=for_seconds,
        **fields,
    )


def test_the_specs_example_yields_one_alert_email_and_one_resolve_email(mailoutbox):
    assert gemini_reading(312, -10).status == HealthStatus.WARNING
    day_report = ReportFactory(
        status="completed",
        period_start=local("2026-11-10"),
        period_end=local("2026-11-11"),
    )
    health_rule()
    alerting.run_alerts(now=at(-10))  # a warning does not trip a critical rule
    gemini_reading(612, 0)
    for minute in range(0, 5):
        alerting.run_alerts(now=at(minute))
        gemini_reading(640, minute + 1)
    assert mailoutbox == []  # pending: `for` (5 min) not yet elapsed
    for minute in range(5, 10):  # held past `for`, evaluated five times
        alerting.run_alerts(now=at(minute))
        gemini_reading(700, minute + 1)
    assert [m.subject for m in mailoutbox] == [
        "[CRITICAL] gemini_api api_response_time: 640 (threshold 500)"
    ]
    assert mailoutbox[0].to == ["ops@example.com"]
    body = mailoutbox[0].body
    assert f"Condition true since: {at(0).isoformat()}" in body
    assert "Dashboard: https://analytics.example.com/dashboard/" in body
    assert (
        f"Report of the day: https://analytics.example.com/reports/{day_report.pk}/"
        in body
    )
    gemini_reading(150, 10)
    alerting.run_alerts(now=at(10))
    alerting.run_alerts(now=at(11))
    assert [m.subject for m in mailoutbox][1:] == [
        "[RESOLVED] gemini_api api_response_time: 150 (threshold 500)"
    ]
    alert = Alert.objects.get()
    assert (alert.state, alert.since, alert.firing_since, alert.ended_at) == (
        AlertState.RESOLVED,
        at(0),
        at(5),
        at(10),
    )


def test_every_evaluation_and_notification_attempt_is_recorded(mailoutbox):
    rule = health_rule(for_seconds=0)
    gemini_reading(612, 0)
    alerting.run_alerts(now=at(0))
    alerting.run_alerts(now=at(1))
    events = list(
        AlertEvent.objects.filter(rule=rule)
        .order_by("timestamp", "pk")
        .values_list("kind", "state", "value", "channel", "status")
    )
    assert events == [
        ("evaluation", "firing", 612.0, "", ""),
        ("notification", "firing", None, "email", "sent"),
        ("evaluation", "firing", 612.0, "", ""),
    ]


def test_a_pending_that_clears_before_for_sends_nothing_and_goes_inactive(mailoutbox):
    health_rule()
    gemini_reading(612, 0)
    alerting.run_alerts(now=at(0))
    gemini_reading(100, 2)
    alerting.run_alerts(now=at(2))
    assert mailoutbox == []
    assert Alert.objects.get().state == AlertState.INACTIVE


def test_a_critical_alert_inhibits_the_warning_of_its_component(mailoutbox):
    health_rule(AlertSeverity.CRITICAL, for_seconds=0)
    health_rule(AlertSeverity.WARNING, for_seconds=0)
    gemini_reading(612, 0)
    alerting.run_alerts(now=at(0))
    states = dict(Alert.objects.values_list("severity", "state"))
    assert states == {"critical": "firing", "warning": "firing"}
    assert [m.subject[:10] for m in mailoutbox] == ["[CRITICAL]"]
    # Down to a warning: the critical resolves, the warning is announced now.
    gemini_reading(312, 1)
    alerting.run_alerts(now=at(1))
    assert [m.subject[:10] for m in mailoutbox][1:] == ["[RESOLVED]", "[WARNING] "]


def test_a_silence_keeps_the_state_but_stops_notifications(mailoutbox, org):
    health_rule(for_seconds=0)
    Silence.objects.create(
        matchers={"component": "gemini_api"},
        reason="provider maintenance",
        starts_at=at(-1),
        ends_at=at(30),
        created_by=org["admin"],
    )
    gemini_reading(612, 0)
    alerting.run_alerts(now=at(0))
    assert Alert.objects.get().state == AlertState.FIRING
    assert mailoutbox == []
    assert AlertEvent.objects.filter(status="muted").count() == 1
    alerting.run_alerts(now=at(30))  # the window is over
    assert len(mailoutbox) == 1


def test_an_acknowledged_alert_is_not_announced_again(mailoutbox, org, settings):
    settings.ANALYTICS_ALERT_REPEAT_HOURS = 1
    health_rule(for_seconds=0)
    gemini_reading(612, 0)
    alerting.run_alerts(now=at(0))
    alerting.run_alerts(now=at(60))
    assert len(mailoutbox) == 2  # fired, then repeated after an hour
    Alert.objects.update(acknowledged_at=at(61), acknowledged_by=org["admin"])
    alerting.run_alerts(now=at(120))
    assert len(mailoutbox) == 2
    assert Alert.objects.get().state == AlertState.FIRING


def test_a_run_that_lost_the_claim_does_not_send(mailoutbox):
    """Two runs read the same pending alert; only the first write lands and sends."""
    rule = health_rule()
    gemini_reading(612, 0)
    alerting.run_alerts(now=at(0))
    stale = Alert.objects.get()
    alerting.run_alerts(now=at(5))  # the other run: fires and sends
    assert len(mailoutbox) == 1
    evaluation = alerting.evaluate_rule(rule, at(5))
    outcome = alerting.step(
        alerting.AlertFacts(stale.state, stale.since),
        condition=True,
        now=at(5),
        for_duration=dt.timedelta(minutes=5),
        repeat=dt.timedelta(hours=4),
    )
    assert outcome.notify == "firing"  # it would send, had it won...
    labels = alerting.rule_labels(rule)
    _, won = alerting._write(
        rule, stale, outcome, evaluation, labels, stale.fingerprint, at(5)
    )
    assert won is False  # ...but its version is stale
    assert Alert.objects.get().version == stale.version + 1


def test_a_metric_threshold_rule_over_the_last_hour(mailoutbox, org):
    rule = AlertRule.objects.create(
        name="CRM sync success below 0.9",
        kind=AlertRuleKind.METRIC_THRESHOLD,
        metric_type="crm_sync_success",
        comparison=Comparison.BELOW,
        threshold=0.9,
        window_seconds=3600,
        for_seconds=0,
    )
    for status in ("success", "success", "failed", "failed"):
        CRMSyncLogFactory(status=status, attempted_at=at(-30))
    result = alerting.evaluate_rule(rule, at(0))
    assert (result.condition, result.value, result.threshold) == (True, 0.5, 0.9)
    alerting.run_alerts(now=at(0))
    assert [m.subject for m in mailoutbox] == [
        "[WARNING] crm_sync_success: 0.5 (threshold 0.9)"
    ]


def test_a_broken_rule_is_recorded_and_the_others_still_run(mailoutbox):
    broken = AlertRule.objects.create(
        name="broken", kind=AlertRuleKind.METRIC_THRESHOLD, metric_type="nope"
    )
    health_rule(for_seconds=0)
    gemini_reading(612, 0)
    summary = alerting.run_alerts(now=at(0))
    assert (summary.rules, summary.firing, summary.notifications) == (2, 1, 1)
    assert AlertEvent.objects.get(rule=broken).error.startswith("KeyError")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers"
)
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_send_once(mailoutbox):
    for n in range(5):
        AlertRule.objects.create(
            name=f"gemini {n}",
            kind=AlertRuleKind.HEALTH,
            severity=AlertSeverity.CRITICAL,
            component="gemini_api",
            health_type="api_response_time",
            for_seconds=0,
            labels={"n": n},
        )
    gemini_reading(612, 0)
    errors = []
    barrier = threading.Barrier(4)

    def run():
        try:
            barrier.wait()
            alerting.run_alerts(now=at(0))
        except Exception as exc:  # collected to fail the test, not to hide it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(mailoutbox) == 5
    assert Alert.objects.filter(state=AlertState.FIRING).count() == 5
