"""Hourly system health readings, judged by their thresholds as metrics.md says."""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from apps.analytics.health_rules import derive_status
from apps.analytics.models import HealthType, SystemHealthMetric
from apps.crm.models import CRMSyncLog, SyncStatus
from apps.demo.base import HOUR, WEEKDAY_FACTOR, Incidents, Timeline, bulk
from apps.demo.vocabulary import CACHE_DOWN_ERROR

# A success rate over fewer attempts than this says more about chance than health.
MIN_SYNC_ATTEMPTS = 10


@dataclass(frozen=True)
class Probe:
    """A latency reading of one component: its thresholds and its usual value."""

    component: str
    health_type: str
    warning: float
    critical: float
    base_ms: float
    load: float  # how much busy hours slow it down, as a fraction of base_ms


PROBES = (
    Probe("database", HealthType.DATABASE_LATENCY, 100.0, 500.0, 6.0, 1.0),
    Probe("cache", HealthType.CACHE_LATENCY, 20.0, 100.0, 0.8, 0.5),
    Probe("api", HealthType.API_RESPONSE_TIME, 300.0, 1000.0, 90.0, 0.6),
    # The thresholds analytics-app.md uses in its gemini_api example.
    Probe("gemini_api", HealthType.API_RESPONSE_TIME, 200.0, 500.0, 110.0, 0.25),
)
CRM_SYNC_WARNING, CRM_SYNC_CRITICAL = 90.0, 75.0  # success rate, percent


def create_health_readings(
    rng: random.Random,
    timeline: Timeline,
    sync_logs: list[CRMSyncLog],
    incidents: Incidents,
) -> list[SystemHealthMetric]:
    """Read every component once an hour, from the first day's midnight to now."""
    attempts, successes = Counter(), Counter()
    for log in sync_logs:
        hour = _next_hour(timeline, log.attempted_at)
        attempts[hour] += 1
        successes[hour] += log.status == SyncStatus.SUCCESS
    rows = []
    hours = int((timeline.now - timeline.start) / HOUR)
    for index in range(hours + 1):
        when = timeline.start + HOUR * index
        for probe in PROBES:
            rows.append(_latency(rng, timeline, incidents, probe, when))
        # Each reading covers the hour that ends at its timestamp.
        if attempts[when] >= MIN_SYNC_ATTEMPTS:
            rate = round(100 * successes[when] / attempts[when], 1)
            rows.append(
                SystemHealthMetric(
                    health_type=HealthType.SUCCESS_RATE,
                    component="crm_sync",
                    value=rate,
                    unit="%",
                    status=derive_status(
                        rate, CRM_SYNC_WARNING, CRM_SYNC_CRITICAL, higher_is_worse=False
                    ),
                    warning_threshold=CRM_SYNC_WARNING,
                    critical_threshold=CRM_SYNC_CRITICAL,
                    higher_is_worse=False,
                    metadata={"attempts": attempts[when], "successes": successes[when]},
                    timestamp=when,
                )
            )
    return bulk(SystemHealthMetric, rows)


def _next_hour(timeline: Timeline, moment: datetime) -> datetime:
    """Return the first reading time at or after `moment`."""
    index = -(-(moment - timeline.start) // HOUR)  # ceiling division
    return timeline.start + HOUR * index


def _latency(rng, timeline, incidents, probe: Probe, when) -> SystemHealthMetric:
    """Read one probe: slower in busy hours, unreachable or spiking in incidents."""
    local = when.astimezone(timeline.tz)
    busy = WEEKDAY_FACTOR[local.weekday()] if 8 <= local.hour < 19 else 0.1
    value = probe.base_ms * (1 + probe.load * busy) * rng.lognormvariate(0, 0.15)
    metadata = {}
    if probe.component == "gemini_api" and _within(when, incidents.latency_spike):
        value = rng.uniform(700, 1800)
    elif probe.component == "api" and _within(when, incidents.latency_spike):
        value += rng.uniform(250, 500)  # our API waits on Gemini
    elif probe.component == "cache" and _within(when, incidents.cache_down):
        value, metadata = None, {"error": CACHE_DOWN_ERROR}
    if value is not None:
        value = round(value, 2)
    return SystemHealthMetric(
        health_type=probe.health_type,
        component=probe.component,
        value=value,
        unit="ms",
        status=derive_status(value, probe.warning, probe.critical),
        warning_threshold=probe.warning,
        critical_threshold=probe.critical,
        higher_is_worse=True,
        metadata=metadata,
        timestamp=when,
    )


def _within(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    """Return whether `moment` falls in the half-open `window`."""
    return window[0] <= moment < window[1]
