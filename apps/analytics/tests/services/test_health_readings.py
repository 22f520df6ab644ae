"""The readings collect_system_health takes: probes, thresholds, API traffic."""

import datetime as dt
import os
import time

import pytest
from django.test import override_settings

from apps.analytics.cache.realtime import minute_of
from apps.analytics.cache.requests import record_request
from apps.analytics.health_rules import thresholds_for
from apps.analytics.models import HealthStatus, SystemHealthMetric
from apps.analytics.services import health
from apps.analytics.services.health import collect_system_health

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, 30, tzinfo=dt.UTC)
EMBEDDED = {"CELERY_BROKER_URL": "memory://", "CELERY_TASK_ALWAYS_EAGER": True}


def by_key(readings):
    return {(r.component, r.health_type): r for r in readings}


def test_thresholds_take_the_exact_key_then_the_type_then_the_override():
    assert thresholds_for("disk", "disk_free") == (20.0, 10.0)
    assert thresholds_for("api:x", "api_response_time") == (200.0, 500.0)
    assert thresholds_for("somewhere", "queue_depth") == (None, None)
    overrides = {"disk:disk_free": [30, 15], "api_response_time": [100, 300]}
    assert thresholds_for("disk", "disk_free", overrides) == (30, 15)
    assert thresholds_for("api:x", "api_response_time", overrides) == (100, 300)


@override_settings(**EMBEDDED)
def test_embedded_default_reads_disk_memory_and_cpu_from_the_machine(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 2.0, 1.0))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(
        health,
        "read_kb_fields",
        lambda path: (
            {"MemTotal": 1000, "MemAvailable": 100}
            if path == "/proc/meminfo"
            else {"VmRSS": 51200}
        ),
    )
    readings = by_key(collect_system_health(now=NOW))
    assert "broker" not in {component for component, _ in readings}
    cpu = readings[("system", "cpu_usage")]
    assert (cpu.value, cpu.status) == (1.5, HealthStatus.WARNING)  # 3.0 / 2 cores
    memory = readings[("system", "memory_usage")]
    assert (memory.value, memory.status) == (90.0, HealthStatus.WARNING)
    assert readings[("process", "memory_usage")].value == 50.0  # MB
    disk = readings[("disk", "disk_free")]
    assert disk.higher_is_worse is False and 0 < disk.value <= 100


@override_settings(
    ANALYTICS_HEALTH_THRESHOLDS={"system:cpu_usage": [5, 10]}, **EMBEDDED
)
def test_a_threshold_override_changes_the_status(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 2.0, 1.0))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    cpu = by_key(collect_system_health(now=NOW))[("system", "cpu_usage")]
    assert (cpu.status, cpu.warning_threshold, cpu.critical_threshold) == (
        HealthStatus.HEALTHY,
        5,
        10,
    )


@override_settings(
    CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:1//",
    CELERY_TASK_ALWAYS_EAGER=False,
)
def test_an_unreachable_broker_and_silent_workers_are_down(monkeypatch):
    from celery import current_app

    monkeypatch.setattr(current_app.control, "ping", lambda timeout: [])
    readings = by_key(collect_system_health(now=NOW))
    broker = readings[("broker", "queue_depth")]
    assert (broker.value, broker.status) == (None, HealthStatus.DOWN)
    assert "error" in broker.metadata
    workers = readings[("workers", "availability")]
    assert (workers.value, workers.status) == (None, HealthStatus.DOWN)


@override_settings(
    CELERY_BROKER_URL="amqp://x@127.0.0.1:1//", CELERY_TASK_ALWAYS_EAGER=True
)
def test_eager_celery_is_not_pinged():
    readings = by_key(collect_system_health(now=NOW))
    assert ("broker", "queue_depth") in readings
    assert ("workers", "availability") not in readings


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs a real broker (CI's PG leg)"
)
def test_queue_depth_counts_the_waiting_messages_on_a_real_broker():
    from kombu import Connection

    queue = f"health-probe-test-{os.getpid()}"
    with Connection(os.environ["CELERY_BROKER_URL"]) as conn:
        simple = conn.SimpleQueue(queue)
        for n in range(3):
            simple.put({"n": n})
        # Publishing is asynchronous: RabbitMQ counts a message a moment after
        # the put returns (CI once read 1 of 3). Wait until it has counted them.
        settled = time.monotonic() + 10
        while simple.qsize() < 3 and time.monotonic() < settled:
            time.sleep(0.05)
        try:
            with override_settings(
                CELERY_BROKER_URL=os.environ["CELERY_BROKER_URL"],
                CELERY_TASK_DEFAULT_QUEUE=queue,
                CELERY_TASK_ALWAYS_EAGER=True,
            ):
                readings = by_key(collect_system_health(now=NOW))
        finally:
            simple.queue.delete()
            simple.close()
    broker = readings[("broker", "queue_depth")]
    assert (broker.value, broker.status) == (3.0, HealthStatus.HEALTHY)


@override_settings(ANALYTICS_HEALTH_INTERVAL_SECONDS=300, **EMBEDDED)
def test_last_intervals_traffic_becomes_p50_p95_and_error_rate_per_endpoint():
    last = minute_of(NOW)
    for i in range(10):  # 30 ms each: the 25..50 ms bucket
        record_request(minute=last - 1 - i % 5, view="a", status=200, duration_ms=30)
    record_request(minute=last - 3, view="b", status=503, duration_ms=700)
    record_request(minute=last - 3, view="b", status=200, duration_ms=700)
    record_request(minute=last, view="a", status=500, duration_ms=1)  # still filling
    record_request(minute=last - 6, view="a", status=500, duration_ms=1)  # too old

    readings = by_key(collect_system_health(now=NOW))

    a = readings[("api:a", "api_response_time")]
    # rank 5 of 10 in [25, 50): 25 + 25 * 5/10; rank 9.5: 25 + 25 * 9.5/10
    assert (a.value, a.metadata["p50_ms"], a.metadata["p95_ms"]) == (48.75, 37.5, 48.75)
    assert (a.status, a.metadata["requests"]) == (HealthStatus.HEALTHY, 10)
    assert readings[("api:a", "error_rate")].value == 0.0
    b = readings[("api:b", "api_response_time")]
    assert (b.value, b.status) == (975.0, HealthStatus.CRITICAL)  # in [500, 1000)
    b_errors = readings[("api:b", "error_rate")]
    assert (b_errors.value, b_errors.status) == (0.5, HealthStatus.CRITICAL)
    assert SystemHealthMetric.objects.filter(component__startswith="api:").count() == 4


@override_settings(**EMBEDDED)
def test_no_traffic_means_no_api_readings():
    readings = collect_system_health(now=NOW)
    assert not [r for r in readings if r.component.startswith("api:")]
