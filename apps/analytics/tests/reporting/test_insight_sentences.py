"""What the reports say of anomalies, trends and the forecast, word for word."""

import datetime as dt

import pytest

from apps.analytics.models import AggregationPeriod, Anomaly
from apps.analytics.periods import local_midnight, period_containing
from apps.analytics.reporting import insights
from apps.analytics.services.reporting import ReportingService
from apps.analytics.tests.conftest import local


def found(when, *, severity="critical", direction="down", **series):
    return {
        "series_kind": "metric",
        "metric_type": "crm_sync_success",
        "component": "",
        "health_type": "",
        "granularity": "daily",
        "timestamp": when,
        "observed": 0.3,
        "expected": 0.95,
        "score": 0.999,
        "direction": direction,
        "severity": severity,
        **series,
    }


GEMINI = {
    "series_kind": "health",
    "metric_type": "",
    "component": "gemini_api",
    "health_type": "api_response_time",
    "granularity": "",
}


def test_ordinals():
    days = [1, 2, 3, 4, 11, 12, 13, 19, 21, 22, 23, 31]
    assert [insights.ordinal(d) for d in days] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "19th", "21st", "22nd",
        "23rd", "31st",
    ]  # fmt: skip


def test_anomalies_are_said_once_per_series_and_day_sharply_when_critical():
    sentences = insights.anomaly_sentences(
        [
            found(local("2026-11-19"), granularity="daily"),
            found(local("2026-11-19", 10), granularity="hourly", severity="warning"),
            found(local("2026-11-26", 13), direction="up", **GEMINI),
            found(
                local("2026-11-26", 14), direction="up", severity="warning", **GEMINI
            ),
            found(
                local("2026-11-23", 3), series_kind="availability", component="cache"
            ),
            found(
                local("2026-11-19", 9),
                series_kind="health",
                metric_type="",
                component="crm_sync",
                health_type="success_rate",
                granularity="",
                severity="warning",
            ),
            found(
                local("2026-11-02", 15),
                series_kind="engagement_volume",
                metric_type="",
                granularity="hourly",
                severity="warning",
            ),
        ]
    )
    assert sentences == [
        "Engagement volume dropped on the 2nd.",
        "CRM sync success dropped sharply on the 19th.",
        "crm_sync success rate dropped on the 19th.",
        "cache availability dropped sharply on the 23rd.",
        "gemini_api API response time rose sharply on the 26th.",
    ]


def test_the_daily_summary_says_when_in_the_day():
    sentences = insights.anomaly_sentences(
        [
            found(local("2026-11-19"), granularity="daily"),
            found(local("2026-11-19", 13), direction="up", **GEMINI),
        ],
        with_time=True,
    )
    assert sentences == [
        "CRM sync success dropped sharply over the day.",
        "gemini_api API response time rose sharply at 13:00.",
    ]


def trend(slope, significant=True):
    return {"slope_per_week": slope, "significant": significant, "n": 30}


def test_significant_trends_in_sentences():
    assert (
        insights.trend_sentence("data_extraction_accuracy", trend(0.008))
        == "Data extraction accuracy is improving 0.8 points a week (significant)."
    )
    assert (
        insights.trend_sentence("crm_sync_success", trend(-0.0125))
        == "CRM sync success is declining 1.2 points a week (significant)."
    )
    assert (
        insights.trend_sentence("user_engagement", trend(2.0))
        == "Active users is rising 2.0 a week (significant)."
    )
    assert insights.trend_sentence("crm_sync_success", trend(0.02, False)) is None


def test_the_forecast_of_next_month_is_an_average_day_within_its_intervals():
    november = period_containing(AggregationPeriod.MONTHLY, local("2026-11-15"))
    points = [
        {"date": (dt.date(2026, 11, 1) + dt.timedelta(days=i)).isoformat(), "value": v}
        for i, v in enumerate([0.90, 0.92, 0.91, 0.93] * 7 + [0.92, 0.91])
    ]
    forecasts, table = insights.month_forecast(
        november,
        [{"key": "crm_sync_success_daily", "points": points, "format": "percent"}],
    )
    assert len(forecasts["crm_sync_success"]["mean"]) == 31  # December's days
    assert table["title"] == "Forecast for 2026-12 (average day)"
    ((label, mean, low80, high80, low95, high95, model),) = table["rows"]
    assert label == "CRM sync success"
    assert 0 <= low95 <= low80 <= mean <= high80 <= high95 <= 1
    assert 0.88 < mean < 0.95
    assert model == forecasts["crm_sync_success"]["model"]


def test_trend_label_never_says_down_beside_a_rise():
    falling = {"direction": "down", "significant": True, "n": 30}
    assert insights.trend_label(falling, 0.024) == "mixed"
    assert insights.trend_label(falling, -0.01) == "down"
    assert insights.trend_label({**falling, "significant": False}, -0.01) == "flat"
    assert insights.trend_label({**falling, "n": 5}, -0.01) == "insufficient data"


@pytest.mark.django_db
def test_the_monthly_report_names_the_months_anomalies(org):
    Anomaly.objects.create(
        series_kind="metric",
        metric_type="crm_sync_success",
        granularity="daily",
        scope_key="organisation",
        timestamp=local_midnight(dt.date(2026, 11, 19)),
        observed=0.36,
        expected=0.97,
        score=0.998,
        direction="down",
        severity="critical",
    )
    # Another team's anomaly is not the organisation report's series.
    Anomaly.objects.create(
        series_kind="metric",
        metric_type="crm_sync_success",
        granularity="daily",
        team=org["other"].team,
        scope_key=f"team:{org['other'].team_id}",
        timestamp=local_midnight(dt.date(2026, 11, 20)),
        observed=0.2,
        expected=0.97,
        score=0.998,
        direction="down",
        severity="critical",
    )
    report = ReportingService().generate_monthly_analytics_report(
        dt.date(2026, 11, 20), org["admin"]
    )
    data = report.report_data
    assert "CRM sync success dropped sharply on the 19th." in data["notes"]
    assert not any("20th" in note for note in data["notes"])
    assert [a["observed"] for a in data["sections"]["insights"]["anomalies"]] == [0.36]
    keys = [t["key"] for t in data["tables"]]
    assert keys[-2:] == ["forecast", "anomalies"]
    trends = data["sections"]["trends"]
    assert trends["crm_sync_success"]["direction"] == "insufficient data"


@pytest.mark.django_db
def test_the_daily_summary_names_yesterdays_anomalies(org):
    Anomaly.objects.create(
        series_kind="health",
        component="gemini_api",
        health_type="api_response_time",
        scope_key="organisation",
        timestamp=local("2026-11-26", 13),
        observed=1489.6,
        expected=137.9,
        score=1.0,
        direction="up",
        severity="critical",
    )
    report = ReportingService().generate_daily_summary_report(
        dt.date(2026, 11, 26), org["admin"]
    )
    data = report.report_data
    assert data["notes"][-1] == "gemini_api API response time rose sharply at 13:00."
    assert data["tables"][-1]["rows"] == [
        [
            "2026-11-26 13:00",
            "gemini_api API response time",
            "up",
            1489.6,
            137.9,
            "critical",
        ]
    ]
