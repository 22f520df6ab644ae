"""System health incidents of a period, for reports."""

from apps.analytics.health_rules import SEVERITY, worst_status
from apps.analytics.models import HealthStatus, SystemHealthMetric
from apps.analytics.periods import local_zone


def incidents(start, end) -> list[dict]:
    """Group the period's non-healthy readings by component and health type."""
    readings = (
        SystemHealthMetric.objects.filter(timestamp__gte=start, timestamp__lt=end)
        .exclude(status=HealthStatus.HEALTHY)
        .order_by("component", "health_type", "timestamp")
        .values(
            "component",
            "health_type",
            "status",
            "value",
            "unit",
            "timestamp",
            "higher_is_worse",
        )
    )
    grouped: dict = {}
    for reading in readings:
        key = (reading["component"], reading["health_type"])
        grouped.setdefault(key, []).append(reading)
    found = []
    for (component, health_type), group in grouped.items():
        status = worst_status(r["status"] for r in group)
        values = [r["value"] for r in group if r["value"] is not None]  # down: None
        found.append(
            {
                "component": component,
                "health_type": health_type,
                "status": status,
                "readings": len(group),
                "first_seen": group[0]["timestamp"]
                .astimezone(local_zone())
                .isoformat(),
                "last_seen": group[-1]["timestamp"]
                .astimezone(local_zone())
                .isoformat(),
                "worst_value": (max if group[0]["higher_is_worse"] else min)(
                    values, default=None
                ),
                "unit": group[0]["unit"],
            }
        )
    found.sort(key=lambda i: (-SEVERITY.index(i["status"]), i["component"]))
    return found


def incident_notes(found: list[dict]) -> list[str]:
    """Return one sentence per incident."""
    notes = []
    for incident in found:
        first, last = incident["first_seen"][11:16], incident["last_seen"][11:16]
        when = f"at {first}" if first == last else f"between {first} and {last}"
        notes.append(
            f"{incident['component']} {incident['health_type'].replace('_', ' ')} was "
            f"{incident['status']} {when} ({incident['readings']} reading(s))."
        )
    return notes
