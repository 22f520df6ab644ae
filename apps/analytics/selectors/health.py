"""System health reads: the latest reading of each check and the overall status."""

import datetime as dt

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from apps.analytics.health_rules import worst_status
from apps.analytics.models import HealthStatus, SystemHealthMetric

STALE_AFTER_INTERVALS = 3


def latest_readings() -> list[SystemHealthMetric]:
    """Return the newest reading of each (component, health type), two queries."""
    newest = (
        SystemHealthMetric.objects.order_by()
        .values("component", "health_type")
        .annotate(latest=Max("timestamp"))
    )
    if not newest:
        return []
    readings = SystemHealthMetric.objects.filter(
        timestamp__in={row["latest"] for row in newest}
    )
    wanted = {(r["component"], r["health_type"], r["latest"]) for r in newest}
    found = {}
    for reading in readings.order_by("component", "health_type", "-pk"):
        key = (reading.component, reading.health_type, reading.timestamp)
        if key in wanted and key not in found:
            found[key] = reading
    return sorted(found.values(), key=lambda r: (r.component, r.health_type))


def current_readings(*, now=None) -> list[SystemHealthMetric]:
    """Return the latest readings as the status shows them, judging staleness.

    A probe whose latest reading is older than 3 collection intervals shows as
    down (stale): whatever took readings has stopped. A reading measured from
    traffic (per endpoint) leaves instead: an endpoint nobody called is not down.
    The rows themselves are not changed.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(
        seconds=STALE_AFTER_INTERVALS * settings.ANALYTICS_HEALTH_INTERVAL_SECONDS
    )
    shown = []
    for reading in latest_readings():
        if reading.timestamp < cutoff:
            if reading.metadata.get("from_traffic"):
                continue
            reading.status = HealthStatus.DOWN
            reading.metadata = {**reading.metadata, "stale": True}
        shown.append(reading)
    return shown


def overall_status(readings) -> str:
    """Return the worst status among the latest readings (metrics.md)."""
    return worst_status(reading.status for reading in readings)


def recent_readings(*, hours: int = 24, per_check: int = 12, now=None) -> dict:
    """Return {(component, health type): newest readings first} of the last hours,
    at most `per_check` each (one query)."""
    now = now or timezone.now()
    rows = SystemHealthMetric.objects.filter(
        timestamp__gte=now - dt.timedelta(hours=hours)
    ).order_by("component", "health_type", "-timestamp", "-pk")
    found: dict = {}
    for reading in rows.iterator():
        kept = found.setdefault((reading.component, reading.health_type), [])
        if len(kept) < per_check:
            kept.append(reading)
    return found
