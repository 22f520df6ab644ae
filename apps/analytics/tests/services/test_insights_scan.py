"""The anomaly scan: idempotent, direction-aware, deaf to tiny denominators."""

import datetime as dt
import random

import pytest
from django.db import IntegrityError, transaction

from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.analytics.models import Anomaly, PerformanceMetric, SystemHealthMetric
from apps.analytics.periods import local_midnight
from apps.analytics.selectors.series import (
    engagement_volume_series,
    health_series,
    metric_series,
)
from apps.analytics.services.insights import scan_anomalies
from apps.analytics.tests.factories import UserEngagementMetricFactory

pytestmark = pytest.mark.django_db
FIRST = dt.date(2026, 9, 1)
DAYS = 40


def day(i: int) -> dt.datetime:
    """Return local midnight of day i from FIRST (the zone is read at call time)."""
    return local_midnight(FIRST + dt.timedelta(days=i))


def since() -> dt.datetime:
    return day(0)


def now() -> dt.datetime:
    return day(DAYS + 1)


def store_rates(values, denominators=None, *, metric="crm_sync_success", user=None):
    """Store a daily rate per day from FIRST: value, numerator and denominator."""
    denominators = denominators or [40] * len(values)
    PerformanceMetric.objects.bulk_create(
        PerformanceMetric(
            metric_type=metric,
            aggregation_period="daily",
            period_start=day(i),
            period_end=day(i + 1),
            user=user,
            value=value,
            metadata={"numerator": value * n, "denominator": n, "sample_size": n},
        )
        for i, (value, n) in enumerate(zip(values, denominators, strict=True))
    )


def steady(level: float, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [round(level + rng.uniform(-0.02, 0.02), 3) for _ in range(DAYS)]


def scanned() -> list[tuple]:
    return list(
        Anomaly.objects.order_by("timestamp", "scope_key").values_list(
            "metric_type", "scope_key", "timestamp", "direction", "severity"
        )
    )


def test_a_fall_in_a_success_rate_is_recorded_once_however_often_it_is_scanned():
    values = steady(0.95)
    values[35] = 0.30
    store_rates(values)
    first = scan_anomalies(since=since(), now=now())
    rows = scanned()
    assert ("crm_sync_success", "organisation", day(35), "down") in [
        r[:4] for r in rows
    ]
    assert first.recorded == len(rows) == first.found
    again = scan_anomalies(since=since(), now=now())
    assert again.found == first.found
    assert again.recorded == 0
    assert scanned() == rows


def test_the_unique_key_refuses_a_second_row_for_the_same_point():
    fields = {
        "series_kind": "metric",
        "metric_type": "crm_sync_success",
        "granularity": "daily",
        "scope_key": "organisation",
        "timestamp": day(3),
        "observed": 0.3,
        "expected": 0.9,
        "score": 0.99,
        "direction": "down",
        "severity": "critical",
    }
    Anomaly.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Anomaly.objects.create(**{**fields, "score": 0.7})


def test_a_rate_over_a_tiny_denominator_is_left_out_and_does_not_fire():
    values = steady(0.95)
    denominators = [40] * DAYS
    values[35], denominators[35] = 0.0, 1  # 0 of 1: noise
    store_rates(values, denominators)
    (series,) = metric_series("daily", since(), now())
    assert day(35) not in series.timestamps
    assert len(series.values) == DAYS - 1
    scan_anomalies(since=since(), now=now())
    assert scanned() == []


def test_a_rise_in_a_success_rate_is_not_an_anomaly():
    values = steady(0.50)
    values[35] = 0.99
    store_rates(values)
    scan_anomalies(since=since(), now=now())
    assert scanned() == []


def test_a_rise_in_latency_is_an_anomaly_and_a_fall_is_not():
    def readings(component, spike):
        rng = random.Random(3)
        return [
            SystemHealthMetric(
                component=component,
                health_type="api_response_time",
                value=spike if i == 200 else 100 + rng.uniform(-5, 5),
                unit="ms",
                status="healthy",
                higher_is_worse=True,
                timestamp=since() + dt.timedelta(hours=i),
            )
            for i in range(240)
        ]

    SystemHealthMetric.objects.bulk_create(
        readings("slower", 900.0) + readings("faster", 5.0)
    )
    scan_anomalies(since=since(), now=now())
    found = Anomaly.objects.values_list("component", "direction", "timestamp")
    assert list(found) == [("slower", "up", since() + dt.timedelta(hours=200))]


def test_availability_is_one_when_reachable_and_zero_when_down():
    SystemHealthMetric.objects.bulk_create(
        SystemHealthMetric(
            component="cache",
            health_type="cache_latency",
            value=None if i == 30 else 1.0 + (i % 3) / 10,
            status="down" if i == 30 else "healthy",
            timestamp=since() + dt.timedelta(hours=i),
        )
        for i in range(40)
    )
    latency, availability = health_series(since(), now())
    assert (latency.kind, len(latency.values)) == ("health", 39)
    assert availability.kind == "availability"
    assert availability.values[29:32] == [1.0, 0.0, 1.0]
    assert availability.bad_direction == "down"


def test_teams_pool_their_members_rows_and_users_keep_their_own():
    team = TeamFactory(name="Alpha")
    ann, bob = UserFactory(team=team), UserFactory(team=team)
    store_rates([0.5] * 20 + [0.6] * 20, user=ann)
    store_rates([0.9] * 20 + [0.7] * 20, user=bob)
    found = {s.scope_key: s for s in metric_series("daily", since(), now())}
    assert set(found) == {f"team:{team.pk}", f"user:{ann.pk}", f"user:{bob.pk}"}
    assert found[f"team:{team.pk}"].values[0] == pytest.approx(0.7)
    assert found[f"team:{team.pk}"].team_id == team.pk
    assert found[f"user:{ann.pk}"].values[-1] == pytest.approx(0.6)


def test_engagement_volume_is_counted_per_hour_and_zero_filled():
    user = UserFactory()
    start = since() + dt.timedelta(hours=2)
    for hour, events in [(0, 3), (1, 0), (2, 1)] + [(h, 2) for h in range(3, 20)]:
        for _ in range(events):
            UserEngagementMetricFactory(
                user=user, timestamp=start + dt.timedelta(hours=hour, minutes=5)
            )
    (series,) = engagement_volume_series(since(), start + dt.timedelta(hours=20))
    assert series.timestamps[0] == start
    assert series.values[:4] == [3.0, 0.0, 1.0, 2.0]
    assert len(series.values) == 20
