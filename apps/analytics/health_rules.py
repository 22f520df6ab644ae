"""How a health reading is judged (metrics.md, System health): pure rules that the
selectors, services and demo data all apply the same way."""

from apps.analytics.models import HealthStatus, HealthType

# Best to worst, as metrics.md orders them: the overall status is the worst present.
SEVERITY = [
    HealthStatus.HEALTHY,
    HealthStatus.WARNING,
    HealthStatus.CRITICAL,
    HealthStatus.DOWN,
]
# Health types where a lower reading is the worse one.
LOWER_IS_WORSE = {
    HealthType.DISK_FREE,
    HealthType.SUCCESS_RATE,
    HealthType.AVAILABILITY,
}


def derive_status(
    value: float | None,
    warning_threshold: float | None,
    critical_threshold: float | None,
    *,
    higher_is_worse: bool = True,
) -> str:
    """Judge a reading: critical at/over critical threshold, warning at/over warning.

    Where lower is worse (free disk, success rate) the comparisons flip. A reading
    with no value means the component could not be reached: down.
    """
    if value is None:
        return HealthStatus.DOWN

    def breaches(threshold):
        if threshold is None:
            return False
        return value >= threshold if higher_is_worse else value <= threshold

    if breaches(critical_threshold):
        return HealthStatus.CRITICAL
    if breaches(warning_threshold):
        return HealthStatus.WARNING
    return HealthStatus.HEALTHY


def worst_status(statuses) -> str:
    """Return the worst of some statuses (healthy when there are none)."""
    return max(statuses, key=SEVERITY.index, default=HealthStatus.HEALTHY)
