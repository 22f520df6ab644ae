"""The detector finds every incident seed_demo injects, and nothing else there."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from apps.analytics.insights import detect
from apps.analytics.models import HealthStatus, HealthType, SystemHealthMetric
from apps.demo.base import HOUR, Incidents, Timeline

# The demo suite's pinned end (a Friday afternoon); four weeks of history give
# the detector two weeks of its own history before the CRM outage.
NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)
DAYS = 28
USERS = 20  # the default: fewer users leave too few syncs for an hourly rate


@pytest.fixture
def incidents(settings) -> Incidents:
    """Seed the demo with a fixed end and return where its incidents are."""
    settings.TIME_ZONE = "UTC"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command(
        "seed_demo", end=NOW.isoformat(), days=DAYS, users=USERS, stdout=io.StringIO()
    )
    return Incidents.plan(Timeline.ending(NOW, days=DAYS, tz=ZoneInfo("UTC")))


def readings(component: str, health_type: str) -> list[SystemHealthMetric]:
    """Return one component's readings of one type, oldest first."""
    rows = SystemHealthMetric.objects.filter(
        component=component, health_type=health_type
    )
    return list(rows.order_by("timestamp"))


def flagged(rows, values, direction: str) -> list[datetime]:
    """Return the instants the detector flags in `direction`."""
    moments = [row.timestamp for row in rows]
    return [d.timestamp for d in detect(values, moments, direction=direction)]


@pytest.mark.django_db
def test_every_demo_incident_is_found_and_nothing_else(incidents):
    crm = readings("crm_sync", HealthType.SUCCESS_RATE)
    gemini = readings("gemini_api", HealthType.API_RESPONSE_TIME)
    cache = readings("cache", HealthType.CACHE_LATENCY)

    crm_flags = flagged(crm, [r.value for r in crm], "down")
    gemini_flags = flagged(gemini, [r.value for r in gemini], "up")
    # Availability: 1 for a reading that got an answer, 0 for a `down` one.
    reachable = [0.0 if r.status == HealthStatus.DOWN else 1.0 for r in cache]
    cache_flags = flagged(cache, reachable, "down")

    # A sync reading covers the hour that ends at its timestamp.
    outage_start = datetime.combine(incidents.crm_outage_day, datetime.min.time(), UTC)
    outage = (outage_start + HOUR, outage_start + timedelta(days=1, hours=1))
    assert crm_flags, "the CRM outage was missed"
    assert all(outage[0] <= moment < outage[1] for moment in crm_flags)
    assert gemini_flags, "the gemini_api latency spike was missed"
    assert all(_within(moment, incidents.latency_spike) for moment in gemini_flags)
    assert cache_flags == [incidents.cache_down[0]]


def _within(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    return window[0] <= moment < window[1]
