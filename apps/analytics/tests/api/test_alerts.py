"""The alerts API: admins acknowledge, silence and manage rules; bad input is a 400."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.analytics.models import Alert, AlertRule, Silence

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/alerts/"


@pytest.fixture
def admin_api(org):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(org["admin"])
    return api


@pytest.fixture
def alert():
    now = timezone.now()
    rule = AlertRule.objects.create(
        name="db slow",
        kind="health",
        severity="critical",
        component="database",
        health_type="database_latency",
    )
    return Alert.objects.create(
        rule=rule,
        fingerprint="a" * 40,
        labels={"component": "database"},
        severity="critical",
        state="firing",
        since=now,
        last_evaluated_at=now,
    )


def test_the_list_shows_state_severity_since_and_last_notification(admin_api, alert):
    rows = admin_api.get(API, {"state": "firing"}).json()["results"]
    assert [(r["rule"], r["state"], r["severity"]) for r in rows] == [
        ("db slow", "firing", "critical")
    ]
    assert set(rows[0]) >= {"since", "last_notified_at", "acknowledged_at"}
    assert admin_api.get(API, {"state": "resolved"}).json()["results"] == []
    assert admin_api.get(API, {"state": "bogus"}).status_code == 400


def test_acknowledging_keeps_the_first_acknowledgement(admin_api, alert, org):
    first = admin_api.post(API + f"{alert.pk}/acknowledge/").json()
    assert first["state"] == "firing"
    assert first["acknowledged_by"] == org["admin"].pk
    again = admin_api.post(API + f"{alert.pk}/acknowledge/").json()
    assert again["acknowledged_at"] == first["acknowledged_at"]


@pytest.mark.parametrize("pk", ["0", "x", "99999", str(2**63)])
def test_acknowledging_no_alert_is_a_404(admin_api, pk):
    assert admin_api.post(API + f"{pk}/acknowledge/").status_code == 404


def test_a_silence_is_started_by_the_caller(admin_api, org):
    ends = timezone.now() + dt.timedelta(hours=2)
    response = admin_api.post(
        API + "silences/",
        {"matchers": {"component": "database"}, "reason": "upgrade", "ends_at": ends},
        format="json",
    )
    assert response.status_code == 201, response.json()
    silence = Silence.objects.get()
    assert (silence.created_by, silence.reason) == (org["admin"], "upgrade")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"matchers": {}, "reason": "x", "ends_at": "2999-01-01T00:00Z"}, "matchers"),
        (
            {"matchers": {"a": 1}, "reason": "x", "ends_at": "2999-01-01T00:00Z"},
            "matchers",
        ),
        (
            {"matchers": {"a": "b"}, "reason": "x", "ends_at": "2000-01-01T00:00Z"},
            "ends_at",
        ),
        ({"matchers": {"a": "b"}, "ends_at": "2999-01-01T00:00Z"}, "reason"),
    ],
)
def test_a_bad_silence_is_a_400_naming_the_field(admin_api, body, field):
    response = admin_api.post(API + "silences/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_rules_are_created_changed_and_deleted(admin_api):
    created = admin_api.post(
        API + "rules/",
        {
            "name": "CRM sync success below 0.9",
            "kind": "metric_threshold",
            "metric_type": "crm_sync_success",
            "comparison": "below",
            "threshold": 0.9,
            "window_seconds": 3600,
            "for_seconds": 600,
            "labels": {"team": "revops"},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    path = API + f"rules/{created.json()['id']}/"
    changed = admin_api.patch(path, {"threshold": 0.8}, format="json").json()
    assert changed["threshold"] == 0.8
    assert admin_api.delete(path).status_code == 204
    assert AlertRule.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "h", "kind": "health"}, ["component", "health_type"]),
        ({"name": "m", "kind": "metric_threshold"}, ["metric_type", "threshold"]),
        (
            {"name": "l", "kind": "health", "component": "db", "labels": ["x"]},
            ["labels"],
        ),
        ({"name": "f", "kind": "health", "for_seconds": -1}, ["for_seconds"]),
    ],
)
def test_an_incomplete_rule_is_a_400_naming_the_fields(admin_api, body, fields):
    response = admin_api.post(API + "rules/", body, format="json")
    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == fields


def firing(name, *, team=None, user=None, state="firing"):
    now = timezone.now()
    rule = AlertRule.objects.create(
        name=name,
        kind="health",
        severity="warning",
        component=name,
        health_type="api_response_time",
        team=team,
        user=user,
    )
    return Alert.objects.create(
        rule=rule,
        fingerprint=name.ljust(40, "x"),
        labels={"component": name},
        severity="warning",
        state=state,
        since=now,
        last_evaluated_at=now,
    )


def test_the_dashboard_shows_the_open_alerts_the_viewer_may_see(org):
    firing("organisation-wide")
    firing("alpha", team=org["manager"].team)
    firing("beta", team=org["other"].team)
    firing("mate", user=org["mate"])
    firing("over", state="resolved")

    def rules(viewer):
        api = APIClient()
        api.force_authenticate(org[viewer])
        body = api.get("/api/v1/analytics/dashboard/").json()
        return sorted(a["rule"] for a in body.get("open_alerts", []))

    assert rules("admin") == ["alpha", "beta", "mate", "organisation-wide"]
    assert rules("manager") == ["alpha", "mate", "organisation-wide"]
    assert rules("member") == []  # members see no alerts at all


def test_an_anomaly_rule_needs_a_metric_or_a_component(admin_api):
    rule = {"name": "CRM sync anomaly", "kind": "anomaly", "severity": "critical"}
    response = admin_api.post(API + "rules/", rule, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["metric_type"]
    for target in ({"metric_type": "crm_sync_success"}, {"component": "gemini_api"}):
        named = {**rule, **target, "name": f"anomaly of {target}"}
        response = admin_api.post(API + "rules/", named, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["threshold"] is None
