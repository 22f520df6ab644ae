"""Process-level Prometheus metrics (prometheus-client) and the Celery task hooks.

With PROMETHEUS_MULTIPROC_DIR set before the process starts, prometheus-client
writes every value to a file per process in that directory and `/metrics` sums
them (gunicorn workers and Celery workers alike); without it the values live in
this process's default registry (the embedded default, one process).
"""

import os
import time

from celery import signals
from prometheus_client import Counter, Histogram, multiprocess

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
HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by view name, method and status code.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by view name.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CELERY_TASKS = Counter(
    "celery_tasks_total",
    "Celery tasks that finished, by task name and outcome (Celery's state).",
    ["task", "state"],
)
CELERY_TASK_FAILURES = Counter(
    "celery_task_failures_total",
    "Celery tasks that raised, by task name and exception type.",
    ["task", "exception"],
)
CELERY_TASK_DURATION = Histogram(
    "celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800),
)

_started: dict[str, float] = {}  # task id -> perf_counter at prerun, this process


def counter_value(counter: Counter, **labels) -> float:
    """Read a labelled counter's current value in this process."""
    return counter.labels(**labels)._value.get()


@signals.task_prerun.connect(weak=False)
def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


@signals.task_postrun.connect(weak=False)
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    CELERY_TASKS.labels(task=name, state=state or "UNKNOWN").inc()
    if started is not None:
        CELERY_TASK_DURATION.labels(task=name).observe(time.perf_counter() - started)


@signals.task_failure.connect(weak=False)
def _task_failed(sender=None, exception=None, **kwargs):
    CELERY_TASK_FAILURES.labels(
        task=getattr(sender, "name", "unknown"),
        exception=type(exception).__name__,
    ).inc()


@signals.worker_process_shutdown.connect(weak=False)
def _pool_child_exited(pid=None, **kwargs):
    # The Celery side of config/gunicorn.py's child_exit.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())
