"""Health status derivation and the health readings the collector stores."""

import pytest
from django.core.exceptions import ValidationError

from apps.analytics.health_rules import derive_status, worst_status
from apps.analytics.models import HealthStatus
from apps.analytics.services import RealTimeAnalyticsCollector


@pytest.mark.parametrize(
    ("value", "higher_is_worse", "expected"),
    [
        (199.9, True, HealthStatus.HEALTHY),
        (200.0, True, HealthStatus.WARNING),
        (500.0, True, HealthStatus.CRITICAL),
        (95.1, False, HealthStatus.HEALTHY),
        (95.0, False, HealthStatus.WARNING),
        (80.0, False, HealthStatus.CRITICAL),
        (None, True, HealthStatus.DOWN),
    ],
)
def test_status_compares_at_or_beyond_the_thresholds(value, higher_is_worse, expected):
    warning, critical = (200.0, 500.0) if higher_is_worse else (95.0, 80.0)

    status = derive_status(value, warning, critical, higher_is_worse=higher_is_worse)

    assert status == expected


def test_no_thresholds_means_healthy_and_worst_status_orders_by_severity():
    assert derive_status(10**9, None, None) == HealthStatus.HEALTHY
    assert worst_status([]) == HealthStatus.HEALTHY
    assert worst_status(["warning", "healthy", "critical"]) == HealthStatus.CRITICAL
    assert worst_status(["critical", "down"]) == HealthStatus.DOWN


@pytest.mark.django_db
def test_spec_example_tracks_api_response_time_and_derives_status():
    response_time_ms = 612.0
    reading = RealTimeAnalyticsCollector.track_system_health(
        health_type="api_response_time",
        component="gemini_api",
        value=response_time_ms,
        unit="ms",
        warning_threshold=200.0,
        critical_threshold=500.0,
    )
    assert reading.pk is not None
    assert (reading.status, reading.higher_is_worse) == (HealthStatus.CRITICAL, True)


@pytest.mark.django_db
def test_lower_is_worse_by_type_and_unreachable_is_down():
    disk = RealTimeAnalyticsCollector.track_system_health(
        health_type="disk_free",
        component="db-volume",
        value=15.0,
        unit="%",
        warning_threshold=20.0,
        critical_threshold=10.0,
    )
    assert (disk.status, disk.higher_is_worse) == (HealthStatus.WARNING, False)
    down = RealTimeAnalyticsCollector.track_system_health(
        health_type="database_latency", component="database", value=None
    )
    assert down.status == HealthStatus.DOWN


@pytest.mark.django_db
def test_unknown_health_type_is_refused():
    with pytest.raises(ValidationError) as caught:
        RealTimeAnalyticsCollector.track_system_health(
            health_type="vibes", component="api", value=1.0
        )
    assert "health_type" in caught.value.message_dict
