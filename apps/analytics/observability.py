"""Process-level counters (prometheus-client): cache hits, misses and failures."""

from prometheus_client import Counter

CACHE_REQUESTS = Counter(
    "analytics_cache_requests_total",
    "Analytics cache lookups by cache type and outcome (hit or miss).",
    ["cache_type", "outcome"],
)
CACHE_FAILURES = Counter(
    "analytics_cache_failures_total",
    "Cache or real-time store operations that failed and were degraded around.",
    ["operation"],
)
EVENTS_TRACKED = Counter(
    "analytics_engagement_events_total",
    "Engagement events stored, by how they arrived (single or batch).",
    ["source"],
)


def counter_value(counter: Counter, **labels) -> float:
    """Read a labelled counter's current value in this process."""
    return counter.labels(**labels)._value.get()
