"""System health: taking readings of the components this process can reach.

One run takes a reading of each probe (database, cache, broker and its queue,
Celery workers, disk, memory, CPU load) and, from the request timings every web
process counted into the shared store, the response time and 5xx rate per
endpoint over the last collection interval. A probe that fails is a `down`
reading (value None), never an exception.
"""

import logging
import os
import resource
import shutil
import sys
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from apps.analytics.cache.realtime import minute_of
from apps.analytics.cache.requests import read_timings
from apps.analytics.health_rules import thresholds_for
from apps.analytics.models import HealthType
from apps.analytics.services.realtime import RealTimeAnalyticsCollector

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0
PING_TIMEOUT_SECONDS = 1.0


@dataclass
class Probe:
    """One measurement: (value, metadata) from `measure`, or an error."""

    component: str
    health_type: str
    unit: str
    measure: object  # () -> (value, metadata dict)


def _timed(probe):
    """Turn a round-trip probe into a measurement in milliseconds."""

    def measure():
        started = time.perf_counter()
        probe()
        return round((time.perf_counter() - started) * 1000, 3), {}

    measure.__name__ = probe.__name__
    return measure


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


def broker_is_embedded() -> bool:
    """Whether Celery runs on the embedded in-memory transport (nothing to probe)."""
    return settings.CELERY_BROKER_URL.startswith("memory://")


def _queue_depth():
    """Return the messages waiting on the default queue (passive declare)."""
    from kombu import Connection

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        with conn.channel() as channel:
            _, messages, consumers = channel.queue_declare(queue=queue, passive=True)
    return float(messages), {"queue": queue, "consumers": consumers}


def _workers_answering():
    """Return how many Celery workers answer a ping; none answering is down."""
    from celery import current_app

    replies = current_app.control.ping(timeout=PING_TIMEOUT_SECONDS) or []
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        raise RuntimeError("no Celery worker answered a ping")
    return float(len(workers)), {"workers": workers}


def data_dir() -> str:
    """Return the directory whose disk holds the project's data."""
    return str(settings.BASE_DIR)


def _disk_free():
    usage = shutil.disk_usage(data_dir())
    percent = 100.0 * usage.free / usage.total
    return round(percent, 2), {"path": data_dir(), "free_bytes": usage.free}


def _process_memory():
    """Return this process's resident memory in MB (VmRSS, else the peak)."""
    try:
        kb = read_kb_fields("/proc/self/status")["VmRSS"]
    except (OSError, KeyError):  # no procfs (macOS): the peak, in bytes there
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kb = peak / 1024 if sys.platform == "darwin" else peak
    return round(kb / 1024, 1), {"pid": os.getpid()}


def read_kb_fields(path: str) -> dict[str, int]:
    """Return the `Name:  123 kB` lines of a procfs file as {name: kilobytes}."""
    found = {}
    with open(path) as lines:
        for line in lines:
            name, _, rest = line.partition(":")
            words = rest.split()
            if len(words) == 2 and words[1] == "kB" and words[0].isdigit():
                found[name] = int(words[0])
    return found


def _system_memory():
    info = read_kb_fields("/proc/meminfo")
    total, available = info["MemTotal"], info["MemAvailable"]
    used = 100.0 * (total - available) / total
    return round(used, 2), {"total_kb": total, "available_kb": available}


def _cpu_load():
    one, five, fifteen = os.getloadavg()
    cores = os.cpu_count() or 1
    return round(one / cores, 3), {"load": [one, five, fifteen], "cores": cores}


def probes() -> list[Probe]:
    """Return the probes this deployment has (no broker probes when embedded)."""
    found = [
        Probe(
            "database",
            HealthType.DATABASE_LATENCY,
            "ms",
            _timed(_database_round_trip),
        ),
        Probe("cache", HealthType.CACHE_LATENCY, "ms", _timed(_cache_round_trip)),
    ]
    if not broker_is_embedded():
        found.append(Probe("broker", HealthType.QUEUE_DEPTH, "messages", _queue_depth))
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            found.append(
                Probe("workers", HealthType.AVAILABILITY, "workers", _workers_answering)
            )
    found += [
        Probe("disk", HealthType.DISK_FREE, "%", _disk_free),
        Probe("process", HealthType.MEMORY_USAGE, "MB", _process_memory),
        Probe("system", HealthType.MEMORY_USAGE, "%", _system_memory),
        Probe("system", HealthType.CPU_USAGE, "load/core", _cpu_load),
    ]
    return found


def _record(component, health_type, value, unit, metadata, now):
    warning, critical = thresholds_for(
        component, health_type, settings.ANALYTICS_HEALTH_THRESHOLDS
    )
    return RealTimeAnalyticsCollector.track_system_health(
        health_type=health_type,
        component=component,
        value=value,
        unit=unit,
        warning_threshold=warning,
        critical_threshold=critical,
        metadata=metadata or None,
        timestamp=now,
    )


def _probe_readings(now) -> list:
    readings = []
    for probe in probes():
        try:
            value, metadata = probe.measure()
        except Exception as exc:  # a failed probe is a reading (down), not a crash
            logger.warning("Health probe %s failed: %s", probe.component, exc)
            value, metadata = None, {"error": f"{type(exc).__name__}: {exc}"}
        readings.append(
            _record(
                probe.component, probe.health_type, value, probe.unit, metadata, now
            )
        )
    return readings


def _traffic_readings(now) -> list:
    """Turn the last interval's request timings into readings per endpoint.

    Their metadata says `from_traffic`: an endpoint nobody called has no reading,
    and its old one leaves the status rather than turning it down (selectors).
    """
    minutes = max(1, settings.ANALYTICS_HEALTH_INTERVAL_SECONDS // 60)
    last = minute_of(now)  # the current minute is still filling: not counted
    endpoints = read_timings(range(last - minutes, last))
    readings = []
    for view, timings in endpoints.items():
        component = f"api:{view}"
        p50, p95 = timings.percentile(0.5), timings.percentile(0.95)
        common = {"from_traffic": True, "requests": timings.count, "minutes": minutes}
        readings.append(
            _record(
                component,
                HealthType.API_RESPONSE_TIME,
                round(p95, 3),
                "ms",
                {**common, "p50_ms": round(p50, 3), "p95_ms": round(p95, 3)},
                now,
            )
        )
        readings.append(
            _record(
                component,
                HealthType.ERROR_RATE,
                round(timings.error_rate, 6),
                "ratio",
                {**common, "errors": timings.errors},
                now,
            )
        )
    return readings


def collect_system_health(*, now=None) -> list:
    """Take one reading of every probe and of the last interval's API traffic."""
    now = now or timezone.now()
    readings = _probe_readings(now)
    try:
        readings += _traffic_readings(now)
    except Exception as exc:  # the store being down leaves the probes standing
        logger.warning("Reading request timings failed: %s", exc)
    return readings
