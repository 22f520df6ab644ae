"""System health reads: the latest reading of each check and the overall status."""

from django.db.models import Max

from apps.analytics.health_rules import worst_status
from apps.analytics.models import SystemHealthMetric


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


def overall_status(readings) -> str:
    """Return the worst status among the latest readings (metrics.md)."""
    return worst_status(reading.status for reading in readings)
