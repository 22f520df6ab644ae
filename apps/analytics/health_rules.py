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


# (warning, critical) per "component:health_type"; a bare "health_type" key is the
# default for every component of that type. ANALYTICS_HEALTH_THRESHOLDS overrides
# any of them (a JSON object of the same keys to [warning, critical]).
DEFAULT_THRESHOLDS = {
    f"database:{HealthType.DATABASE_LATENCY}": (100.0, 500.0),  # ms
    f"cache:{HealthType.CACHE_LATENCY}": (50.0, 200.0),  # ms
    f"broker:{HealthType.QUEUE_DEPTH}": (100.0, 1000.0),  # waiting messages
    f"workers:{HealthType.AVAILABILITY}": (None, 0.0),  # workers answering ping
    f"disk:{HealthType.DISK_FREE}": (20.0, 10.0),  # percent free
    f"process:{HealthType.MEMORY_USAGE}": (1024.0, 2048.0),  # MB resident
    f"system:{HealthType.MEMORY_USAGE}": (85.0, 95.0),  # percent used
    f"system:{HealthType.CPU_USAGE}": (1.0, 2.0),  # load average per core
    HealthType.API_RESPONSE_TIME: (200.0, 500.0),  # p95 ms, spec's example
    HealthType.ERROR_RATE: (0.01, 0.05),  # share of 5xx answers
}


def thresholds_for(
    component: str, health_type: str, overrides: dict | None = None
) -> tuple[float | None, float | None]:
    """Return (warning, critical) for a reading: override, then default.

    The exact "component:health_type" key wins over the type-wide "health_type".
    """
    table = {**DEFAULT_THRESHOLDS, **(overrides or {})}
    for key in (f"{component}:{health_type}", str(health_type)):
        if key in table:
            warning, critical = table[key]
            return warning, critical
    return None, None
