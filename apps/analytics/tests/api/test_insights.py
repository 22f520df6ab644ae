"""GET insights/ (one series with anomalies, trend, forecast) and GET anomalies/."""

import datetime as dt
import random

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.analytics.models import Anomaly, PerformanceMetric
from apps.analytics.periods import local_midnight

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def store_daily(values, denominator=50):
    """The organisation's CRM sync success per day, ending yesterday."""
    today = timezone.localdate()
    first = today - dt.timedelta(days=len(values))
    PerformanceMetric.objects.bulk_create(
        PerformanceMetric(
            metric_type="crm_sync_success",
            aggregation_period="daily",
            period_start=local_midnight(first + dt.timedelta(days=i)),
            period_end=local_midnight(first + dt.timedelta(days=i + 1)),
            value=value,
            metadata={"numerator": value * denominator, "denominator": denominator},
        )
        for i, value in enumerate(values)
    )
    return first


def test_insights_give_the_series_its_anomalies_trend_and_forecast(org):
    rng = random.Random(5)
    values = [round(0.95 + rng.uniform(-0.02, 0.02), 3) for _ in range(50)]
    values[-3] = 0.30
    first = store_daily(values)
    response = api(org["admin"]).get(
        API + "insights/",
        {"metric_type": "crm_sync_success", "days": 20, "horizon": 5},
    )
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "metric_type",
        "granularity",
        "scope",
        "series",
        "anomalies",
        "trend",
        "forecast",
    ]
    assert body["scope"]["kind"] == "organisation"
    assert set(body["series"][0]) == {"timestamp", "value", "denominator", "partial"}
    drop_day = first + dt.timedelta(days=47)
    marked = {a["timestamp"][:10]: a for a in body["anomalies"]}
    assert marked[drop_day.isoformat()]["direction"] == "down"
    assert marked[drop_day.isoformat()]["observed"] == pytest.approx(0.30)
    assert set(marked[drop_day.isoformat()]) == {
        "timestamp",
        "observed",
        "expected",
        "score",
        "direction",
        "severity",
    }
    assert set(body["trend"]) >= {"direction", "slope_per_week", "significant"}
    forecast = body["forecast"]
    assert len(forecast["mean"]) == len(forecast["timestamps"]) == 5
    for low, high in zip(forecast["lower_95"], forecast["upper_95"], strict=True):
        assert 0 <= low <= high <= 1  # a rate stays a rate


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"metric_type": None}, "metric_type"),
        ({"metric_type": "nonsense"}, "metric_type"),
        ({"days": 0}, "days"),
        ({"start": "2026-02-30"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"start": "1999-12-31"}, "start"),
        ({"start": "2026-11-10", "end": "2026-11-01"}, "end"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "end"),
        ({"granularity": "weekly"}, "granularity"),
        ({"horizon": 0}, "horizon"),
        ({"horizon": 91}, "horizon"),
        ({"user_id": "x"}, "user_id"),
    ],
)
def test_bad_insights_input_is_a_400_naming_the_field(org, query, field):
    query = {"metric_type": "crm_sync_success", **query}
    query = {name: value for name, value in query.items() if value is not None}
    response = api(org["admin"]).get(API + "insights/", query)
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]


@pytest.mark.parametrize("query", [{"user_id": 999999}, {"team": 999999}])
def test_a_user_or_team_that_is_not_there_answers_404_and_is_audited(org, query):
    from apps.core.models import AuditLog

    response = api(org["admin"]).get(
        API + "insights/", {"metric_type": "crm_sync_success", **query}
    )
    assert response.status_code == 404, response.content
    denial = AuditLog.objects.get(action="denied")
    assert denial.object_ids == ["999999"]


def test_a_range_of_366_local_days_is_accepted(org):
    query = {"metric_type": "crm_sync_success", "start": "2024-01-01"}
    client = api(org["admin"])
    response = client.get(API + "insights/", {**query, "end": "2024-12-31"})
    assert response.status_code == 200
    assert len(response.json()["series"]) == 366
    response = client.get(API + "insights/", {**query, "end": "2025-01-01"})
    assert response.status_code == 400


def make_anomaly(**fields):
    defaults = {
        "series_kind": "metric",
        "metric_type": "crm_sync_success",
        "granularity": "daily",
        "scope_key": "organisation",
        "timestamp": local_midnight(dt.date(2026, 11, 19)),
        "observed": 0.3,
        "expected": 0.95,
        "score": 0.999,
        "direction": "down",
        "severity": "critical",
    }
    return Anomaly.objects.create(**{**defaults, **fields})


def test_the_anomaly_list_filters_by_severity_component_and_date(org):
    crm = make_anomaly()
    make_anomaly(
        series_kind="health",
        metric_type="",
        component="gemini_api",
        health_type="api_response_time",
        granularity="",
        direction="up",
        severity="warning",
        score=0.9,
    )
    make_anomaly(timestamp=local_midnight(dt.date(2026, 10, 2)), severity="warning")
    client = api(org["admin"])

    def ids(**query):
        body = client.get(API + "anomalies/", query).json()
        return [row["id"] for row in body["results"]]

    assert len(ids()) == 3
    assert ids(severity="critical") == [crm.pk]
    assert len(ids(component="gemini_api", direction="up")) == 1
    assert ids(start_date="2026-11-01", metric_type="crm_sync_success") == [crm.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"severity": "awful"}, "severity"),
        ({"direction": "sideways"}, "direction"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"user_id": "1.5"}, "user_id"),
    ],
)
def test_bad_anomaly_filters_are_a_400_naming_the_field(org, query, field):
    response = api(org["admin"]).get(API + "anomalies/", query)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_a_member_sees_neither_the_organisation_nor_the_team_anomalies(org):
    make_anomaly()
    make_anomaly(team=org["member"].team, scope_key=f"team:{org['member'].team_id}")
    own = make_anomaly(user=org["member"], scope_key=f"user:{org['member'].pk}")
    rows = api(org["member"]).get(API + "anomalies/").json()["results"]
    assert [row["id"] for row in rows] == [own.pk]


def test_the_dashboard_gives_each_metric_its_trend_and_window_anomalies(org):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    shown = make_anomaly(timestamp=local_midnight(yesterday))
    make_anomaly(timestamp=local_midnight(yesterday - dt.timedelta(days=30)))
    make_anomaly(granularity="hourly", timestamp=local_midnight(yesterday))
    body = api(org["admin"]).get(API + "dashboard/", {"days": 7}).json()
    metrics = {m["metric_type"]: m for m in body["metrics"]}
    crm = metrics["crm_sync_success"]
    assert [a["observed"] for a in crm["anomalies"]] == [shown.observed]
    assert set(crm["anomalies"][0]) == {
        "timestamp",
        "observed",
        "expected",
        "score",
        "direction",
        "severity",
    }
    assert set(crm["trend"]) == {"direction", "slope_per_week", "significant"}
    assert metrics["debriefing_completion"]["anomalies"] == []
