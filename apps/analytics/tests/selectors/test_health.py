"""The status shows stale probes as down and drops stale traffic readings."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from apps.analytics.models import HealthStatus
from apps.analytics.selectors.health import current_readings
from apps.analytics.tests.factories import SystemHealthMetricFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    """Stop the clock at NOW for everything that asks django.utils.timezone."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def ago(minutes):
    return NOW - dt.timedelta(minutes=minutes)


@override_settings(ANALYTICS_HEALTH_INTERVAL_SECONDS=300)
def test_a_probe_older_than_three_intervals_shows_down(clock):
    SystemHealthMetricFactory(component="database", timestamp=ago(15.1))
    SystemHealthMetricFactory(component="cache", timestamp=ago(14.9))
    shown = {r.component: r for r in current_readings()}
    assert shown["database"].status == HealthStatus.DOWN
    assert shown["database"].metadata == {"stale": True}
    assert shown["cache"].status == HealthStatus.HEALTHY


@override_settings(ANALYTICS_HEALTH_INTERVAL_SECONDS=60)
def test_the_interval_setting_moves_the_stale_limit(clock):
    SystemHealthMetricFactory(component="database", timestamp=ago(4))
    [reading] = current_readings()
    assert reading.status == HealthStatus.DOWN


@override_settings(ANALYTICS_HEALTH_INTERVAL_SECONDS=300)
def test_a_stale_traffic_reading_leaves_the_status_instead(clock):
    SystemHealthMetricFactory(
        component="api:x", metadata={"from_traffic": True}, timestamp=ago(20)
    )
    SystemHealthMetricFactory(
        component="api:y", metadata={"from_traffic": True}, timestamp=ago(1)
    )
    assert [r.component for r in current_readings()] == ["api:y"]


@override_settings(ANALYTICS_HEALTH_INTERVAL_SECONDS=300)
def test_status_endpoint_reports_a_stale_component_as_down(clock, org):
    SystemHealthMetricFactory(component="database", timestamp=ago(16))
    SystemHealthMetricFactory(component="cache", timestamp=ago(1))
    client = APIClient()
    client.force_authenticate(org["manager"])
    body = client.get("/api/v1/analytics/system-health/status/").json()
    assert body["status"] == "down"
    assert {c["component"]: c["status"] for c in body["components"]} == {
        "cache": "healthy",
        "database": "down",
    }
    # Fresh again: the same endpoint answers healthy.
    SystemHealthMetricFactory(component="database", timestamp=ago(0))
    assert client.get("/api/v1/analytics/system-health/status/").json()["status"] == (
        "healthy"
    )
