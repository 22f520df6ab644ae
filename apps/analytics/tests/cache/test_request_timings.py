"""The request middleware: one count per request in the shared timings store."""

import time

import pytest
from rest_framework.test import APIClient

from apps.analytics.cache import requests as timings
from apps.analytics.cache.requests import (
    BUCKET_BOUNDS_MS,
    EndpointTimings,
    bucket_of,
    read_timings,
)
from apps.analytics.observability import CACHE_FAILURES, counter_value

pytestmark = pytest.mark.django_db
STATUS_VIEW = "analytics-system-health-status"


def this_minute():
    return int(time.time() // 60)


def recent():
    minute = this_minute()
    return read_timings(range(minute - 1, minute + 1))


def test_bucket_bounds_are_upper_inclusive():
    assert [bucket_of(ms) for ms in (0, 5, 5.01, 10000, 10001)] == [0, 0, 1, 10, 11]
    assert len(EndpointTimings().buckets) == len(BUCKET_BOUNDS_MS) + 1


def test_the_open_ended_bucket_reports_its_lower_bound():
    slow = EndpointTimings()
    slow.buckets[-1] = 4
    assert slow.percentile(0.95) == 10000.0
    assert EndpointTimings().percentile(0.5) is None


def test_each_request_is_counted_under_its_view_and_status(org):
    client = APIClient()
    client.force_authenticate(org["manager"])
    for _ in range(3):
        assert client.get("/api/v1/analytics/system-health/status/").status_code == 200
    APIClient().get("/api/v1/analytics/system-health/status/")  # 401
    APIClient().get("/no/such/page/")

    seen = recent()

    assert seen[STATUS_VIEW].count == 4
    assert seen[STATUS_VIEW].errors == 0
    assert seen["<unresolved>"].count == 1


def test_server_errors_count_as_errors(org, monkeypatch):
    from apps.analytics.api import health

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "current_readings", explode)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(org["manager"])
    assert client.get("/api/v1/analytics/system-health/status/").status_code == 500
    assert recent()[STATUS_VIEW].errors == 1
    assert recent()[STATUS_VIEW].error_rate == 1.0


def test_a_failing_store_does_not_fail_the_request(org, monkeypatch):
    class Broken:
        def record(self, minute, key):
            raise ConnectionError("redis is gone")

    monkeypatch.setattr(timings, "timings_store", lambda: Broken())
    before = counter_value(CACHE_FAILURES, operation="request_timings")
    client = APIClient()
    client.force_authenticate(org["manager"])
    assert client.get("/api/v1/analytics/system-health/status/").status_code == 200
    after = counter_value(CACHE_FAILURES, operation="request_timings")
    assert after == before + 1
