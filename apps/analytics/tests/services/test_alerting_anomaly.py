"""Anomaly rules: true while an anomaly of their series and severity is in the
window, moved through the alert state machine like any rule."""

import datetime as dt

import pytest
from django.conf import settings

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import (
    Alert,
    AlertRule,
    AlertRuleKind,
    AlertSeverity,
    AlertState,
    Anomaly,
)
from apps.analytics.services import alerting
from apps.analytics.tests.conftest import local

pytestmark = pytest.mark.django_db
T0 = local("2026-11-19", 12)


@pytest.fixture(autouse=True)
def _no_channels(settings):
    settings.ANALYTICS_ALERT_EMAILS = []
    settings.ANALYTICS_ALERT_WEBHOOK_URL = ""
    settings.ALERTMANAGER_URL = ""


def anomaly(severity="critical", *, hours_before=1, **fields):
    fields = {
        "series_kind": "metric",
        "metric_type": "crm_sync_success",
        "granularity": "hourly",
        "scope_key": "organisation",
        **fields,
    }
    return Anomaly.objects.create(
        timestamp=T0 - dt.timedelta(hours=hours_before),
        observed=0.3,
        expected=0.97,
        score=0.999 if severity == "critical" else 0.8,
        direction="down",
        severity=severity,
        **fields,
    )


def rule(severity=AlertSeverity.WARNING, **fields):
    return AlertRule.objects.create(
        name=fields.pop("name", f"CRM sync anomaly ({severity})"),
        kind=AlertRuleKind.ANOMALY,
        severity=severity,
        metric_type=fields.pop("metric_type", "crm_sync_success"),
        window_seconds=6 * 3600,
        for_seconds=0,
        **fields,
    )


def test_an_anomaly_in_the_window_fires_and_resolves_once_out_of_it():
    anomaly("critical")
    crm = rule()
    alert, step, _, _ = alerting.evaluate_and_move(crm, now=T0)
    assert step.state == AlertState.FIRING
    assert alert.value == 0.3
    assert alert.labels["metric_type"] == "crm_sync_success"
    later = T0 + dt.timedelta(hours=6)
    alert, step, _, _ = alerting.evaluate_and_move(crm, now=later)
    assert step.state == AlertState.RESOLVED
    assert Alert.objects.get().state == AlertState.RESOLVED


def test_a_critical_rule_ignores_warning_anomalies():
    anomaly("warning")
    assert not alerting.evaluate_rule(rule(AlertSeverity.CRITICAL), T0).condition
    assert alerting.evaluate_rule(rule(AlertSeverity.WARNING), T0).condition


def test_a_rule_watches_only_its_own_series_and_scope():
    user = UserFactory()
    anomaly(metric_type="debriefing_completion")
    anomaly(user=user, scope_key=f"user:{user.pk}", hours_before=2)
    assert not alerting.evaluate_rule(rule(), T0).condition  # organisation, CRM
    assert alerting.evaluate_rule(rule(user=user, name="mine"), T0).condition


def test_a_daily_point_counts_when_the_scan_found_it_within_the_window():
    # Yesterday's figure carries yesterday's midnight, found this morning.
    found = anomaly(granularity="daily", hours_before=36)
    daily = rule()
    Anomaly.objects.filter(pk=found.pk).update(created_at=T0 - dt.timedelta(days=3))
    assert not alerting.evaluate_rule(daily, T0).condition
    Anomaly.objects.filter(pk=found.pk).update(created_at=T0 - dt.timedelta(hours=2))
    assert alerting.evaluate_rule(daily, T0).condition


def test_a_component_rule_reads_health_anomalies():
    anomaly(
        series_kind="health",
        metric_type="",
        component="gemini_api",
        health_type="api_response_time",
        granularity="",
    )
    latency = rule(metric_type="", component="gemini_api", name="Gemini anomaly")
    alert, step, _, _ = alerting.evaluate_and_move(latency, now=T0)
    assert step.state == AlertState.FIRING
    assert alert.labels["component"] == "gemini_api"


def test_the_scan_task_is_registered_and_scheduled_hourly():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["detect-analytics-anomalies"]
    assert entry["task"] == "apps.analytics.tasks.detect_analytics_anomalies"
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {20}
    assert len(entry["schedule"].hour) == 24
