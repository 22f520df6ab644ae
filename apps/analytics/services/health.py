"""System health: taking readings of the components this process can reach."""

import logging
import time
import uuid

from django.core.cache import cache
from django.db import connection

from apps.analytics.models import HealthType
from apps.analytics.services.realtime import RealTimeAnalyticsCollector

logger = logging.getLogger(__name__)

# Round-trip thresholds in milliseconds for the readings taken here (warning, critical).
DATABASE_THRESHOLDS_MS = (100.0, 500.0)
CACHE_THRESHOLDS_MS = (50.0, 200.0)


def _timed_ms(probe) -> tuple[float | None, str]:
    """Run a probe and return (milliseconds, error text); None when it failed."""
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # a failed probe is a reading (down), not a crash
        logger.warning("Health probe %s failed: %s", probe.__name__, exc)
        return None, f"{type(exc).__name__}: {exc}"
    return (time.perf_counter() - started) * 1000, ""


def _database_round_trip():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache_round_trip():
    key = f"analytics:health-probe:{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=10)
    if cache.get(key) != 1:
        raise RuntimeError("the cache did not return the value just written")
    cache.delete(key)


def collect_system_health() -> list:
    """Take one reading of database and cache round-trip latency and store both."""
    readings = []
    for health_type, component, probe, (warning, critical) in [
        (
            HealthType.DATABASE_LATENCY,
            "database",
            _database_round_trip,
            DATABASE_THRESHOLDS_MS,
        ),
        (HealthType.CACHE_LATENCY, "cache", _cache_round_trip, CACHE_THRESHOLDS_MS),
    ]:
        value, error = _timed_ms(probe)
        readings.append(
            RealTimeAnalyticsCollector.track_system_health(
                health_type=health_type,
                component=component,
                value=None if value is None else round(value, 3),
                unit="ms",
                warning_threshold=warning,
                critical_threshold=critical,
                metadata={"error": error} if error else None,
            )
        )
    return readings
