"""`/metrics`: who may scrape it, and what prometheus-client's parser reads in it."""

import os
import shutil
import subprocess

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from apps.analytics.models import HealthStatus
from apps.analytics.tasks import collect_system_health_metrics
from apps.analytics.tests.factories import SystemHealthMetricFactory

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-scraper-token"


def families(response) -> dict:
    text = response.content.decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample(found, family, name, **labels):
    [match] = [
        s for s in found[family].samples if s.name == name and s.labels == labels
    ]
    return match.value


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_anonymous_is_refused_with_the_api_error_shape():
    response = APIClient().get("/metrics")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("role", ["member", "manager"])
def test_users_other_than_admins_are_forbidden(org, role):
    response = as_user(org[role]).get("/metrics")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_admin_may_read_it(org):
    response = as_user(org["admin"]).get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_scraper_token_lets_in_and_a_wrong_one_does_not():
    ok = APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200
    wrong = APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")
    assert wrong.status_code == 401


@override_settings(METRICS_TOKEN="")
def test_no_token_configured_means_an_empty_bearer_does_not_match():
    assert APIClient().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


@override_settings(METRICS_ALLOWED_IPS=["10.1.0.0/16", "192.0.2.7"])
def test_allowed_ips_and_networks_let_in():
    assert APIClient().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert APIClient().get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert APIClient().get("/metrics", REMOTE_ADDR="192.0.2.8").status_code == 401
    # A forwarded header is not the peer: it cannot be used to get in.
    forged = APIClient().get(
        "/metrics", REMOTE_ADDR="192.0.2.8", HTTP_X_FORWARDED_FOR="10.1.2.3"
    )
    assert forged.status_code == 401


@override_settings(METRICS_TOKEN=TOKEN)
def test_requests_by_view_and_status_are_counted(org):
    scraper = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    view = "analytics-system-health-status"
    before = families(APIClient().get("/metrics", **scraper))
    labels = {"view": view, "method": "GET", "status": "401"}
    start = (
        sample(before, "http_requests", "http_requests_total", **labels)
        if "http_requests" in before
        and any(s.labels == labels for s in before["http_requests"].samples)
        else 0
    )
    for _ in range(3):
        APIClient().get("/api/v1/analytics/system-health/status/")

    found = families(APIClient().get("/metrics", **scraper))

    assert sample(found, "http_requests", "http_requests_total", **labels) == start + 3
    assert found["http_request_duration_seconds"].type == "histogram"


@override_settings(METRICS_TOKEN=TOKEN)
def test_health_readings_are_gauges_labelled_component_and_type():
    SystemHealthMetricFactory(component="database", value=3.5)
    SystemHealthMetricFactory(
        component="broker",
        health_type="queue_depth",
        value=None,
        status=HealthStatus.DOWN,
    )
    found = families(APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    db = {"component": "database", "health_type": "database_latency"}
    broker = {"component": "broker", "health_type": "queue_depth"}
    assert (
        sample(found, "analytics_health_value", "analytics_health_value", **db) == 3.5
    )
    assert (
        sample(found, "analytics_health_status", "analytics_health_status", **db) == 0
    )
    assert (
        sample(found, "analytics_health_status", "analytics_health_status", **broker)
        == 3
    )
    assert not [
        s for s in found["analytics_health_value"].samples if s.labels == broker
    ]


@override_settings(METRICS_TOKEN=TOKEN)
def test_celery_tasks_and_cache_counters_are_exposed():
    collect_system_health_metrics.apply()  # in this process, as a worker runs it
    found = families(APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    task = "apps.analytics.tasks.collect_system_health_metrics"
    assert (
        sample(found, "celery_tasks", "celery_tasks_total", task=task, state="SUCCESS")
        >= 1
    )
    durations = [
        s
        for s in found["celery_task_duration_seconds"].samples
        if s.name.endswith("_count") and s.labels == {"task": task}
    ]
    assert durations and durations[0].value >= 1
    assert {"analytics_cache_requests", "analytics_cache_failures"} <= set(found)
    assert "analytics_engagement_events" in found


PROMTOOL = shutil.which("promtool")


# .ci/run installs promtool and sets METRICS_REQUIRE_PROMTOOL=1: no skip there.
@pytest.mark.skipif(
    not PROMTOOL and not os.environ.get("METRICS_REQUIRE_PROMTOOL"),
    reason="promtool not installed (Debian package prometheus)",
)
@override_settings(METRICS_TOKEN=TOKEN)
def test_promtool_accepts_the_exposition(org):
    assert PROMTOOL, "promtool is required here but not installed"
    SystemHealthMetricFactory(component="database", value=3.5)
    as_user(org["member"]).get("/api/v1/analytics/dashboard/")
    body = APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content
    result = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=body, capture_output=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_failed_task_is_counted_as_failed_by_exception(monkeypatch):
    from apps.analytics import tasks

    def broken():
        raise LookupError("no such thing")

    monkeypatch.setattr(tasks, "collect_system_health", broken)
    labels = {
        "task": "apps.analytics.tasks.collect_system_health_metrics",
        "exception": "LookupError",
    }
    scrape = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    before = families(APIClient().get("/metrics", **scrape))
    start = sum(
        s.value
        for family in before.values()
        for s in family.samples
        if s.name == "celery_task_failures_total" and s.labels == labels
    )

    result = tasks.collect_system_health_metrics.apply(throw=False)

    assert result.failed()
    found = families(APIClient().get("/metrics", **scrape))
    failures = "celery_task_failures"
    assert sample(found, failures, "celery_task_failures_total", **labels) == start + 1


@override_settings(METRICS_TOKEN=TOKEN)
def test_open_alerts_are_gauges_labelled_by_rule_severity_and_state():
    from django.utils import timezone

    from apps.analytics.models import Alert, AlertRule

    now = timezone.now()
    for name, state in (("db slow", "firing"), ("cache slow", "pending")):
        rule = AlertRule.objects.create(
            name=name,
            kind="health",
            severity="critical",
            component=name.split()[0],
            health_type="cache_latency",
        )
        Alert.objects.create(
            rule=rule,
            fingerprint=name.ljust(40, "x"),
            labels={"component": name.split()[0]},
            severity="critical",
            state=state,
            since=now,
            last_evaluated_at=now,
        )
    found = families(APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    family, name = "analytics_alert_firing", "analytics_alert_firing"
    base = {"severity": "critical"}
    assert (
        sample(
            found,
            family,
            name,
            alertname="db slow",
            component="db",
            state="firing",
            **base,
        )
        == 1
    )
    assert (
        sample(
            found,
            family,
            name,
            alertname="cache slow",
            component="cache",
            state="pending",
            **base,
        )
        == 0
    )
