"""Every API view is scoped, proven by behaviour: for each endpoint, another team's
data is absent for a manager and another user's for a member (metrics.md, Access).

Each user of the `org` fixture owns data that carries their name, so a check reads
which users' data an answer holds. A new endpoint must be added to SCOPED_VIEWS:
the last test fails for any analytics route without a check here.
"""

import datetime as dt
import json

import pytest
from django.urls import get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.analytics.models import (
    Alert,
    AlertRule,
    Anomaly,
    PerformanceMetric,
    Report,
    UserEngagementMetric,
)
from apps.analytics.periods import local_midnight
from apps.analytics.tests.factories import (
    PerformanceMetricFactory,
    SystemHealthMetricFactory,
    UserEngagementMetricFactory,
)
from apps.crm.tests.factories import CRMSyncLogFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"
OWNERS = ("admin", "manager", "member", "mate", "other")
# Who each viewer may see: the manager's team is Alpha (manager, member, mate).
VISIBLE = {
    "manager": {"manager", "member", "mate"},
    "member": {"member"},
}


@pytest.fixture
def data(org):
    """Give every user a metric row, events, a CRM sync and a report of their own."""
    yesterday = timezone.now() - dt.timedelta(days=1)
    reports = {}
    for name in OWNERS:
        user = org[name]
        PerformanceMetricFactory(user=user, period_start=yesterday)
        UserEngagementMetricFactory(user=user, timestamp=yesterday, session_id=name)
        CRMSyncLogFactory(user=user, attempted_at=yesterday)
        reports[name] = Report.objects.create(
            report_type="user_activity",
            title=f"Activity of {name}",
            period_start=yesterday,
            period_end=timezone.now(),
            created_by=user,
            subject_user=user,
            parameters={
                "scope": {"kind": "user", "label": name, "user_ids": [user.pk]},
                "scope_key": f"user:{user.pk}",
            },
        )
    SystemHealthMetricFactory(component="database", status="healthy")
    return {"org": org, "reports": reports, "names": {org[n].pk: n for n in OWNERS}}


def client(data, viewer):
    api = APIClient()
    api.force_authenticate(data["org"][viewer])
    return api


def owners_of(rows, data, field="user"):
    return {data["names"][row[field]] for row in rows if row[field] is not None}


def dashboard(data, viewer):
    body = client(data, viewer).get(API + "dashboard/", {"days": 7}).json()
    engagement = next(
        m for m in body["metrics"] if m["metric_type"] == "user_engagement"
    )
    # Everyone had one event yesterday: the active users are those the view counts.
    return engagement["value"], set(body["scope"]["user_ids"] or data["names"])


def check_dashboard(data, viewer):
    active, ids = dashboard(data, viewer)
    assert active == len(VISIBLE[viewer])
    assert {data["names"][pk] for pk in ids} == VISIBLE[viewer]


def check_performance(data, viewer):
    rows = client(data, viewer).get(API + "metrics/performance/").json()["results"]
    assert owners_of(rows, data) == VISIBLE[viewer]


def check_engagement(data, viewer):
    rows = client(data, viewer).get(API + "metrics/engagement/").json()["results"]
    assert owners_of(rows, data) == VISIBLE[viewer]


def check_track(data, viewer):
    other = data["org"]["other"]
    response = client(data, viewer).post(
        API + "track-engagement/",
        {"engagement_type": "login", "session_id": "x", "user": other.pk},
        format="json",
    )
    assert response.status_code == 201
    # The event is the caller's, whatever the body says.
    stored = UserEngagementMetric.objects.get(session_id="x")
    assert stored.user == data["org"][viewer]


def check_system_health_list(data, viewer):
    response = client(data, viewer).get(API + "metrics/system-health/")
    assert response.status_code == 403  # raw readings: admins only


def check_system_health_status(data, viewer):
    response = client(data, viewer).get(API + "system-health/status/")
    assert response.status_code == (200 if viewer == "manager" else 403)


def check_reports(data, viewer):
    rows = client(data, viewer).get(API + "reports/").json()["results"]
    assert owners_of(rows, data, "subject_user") == VISIBLE[viewer]


def check_report_detail(data, viewer):
    api = client(data, viewer)
    for name, report in data["reports"].items():
        status = api.get(API + f"reports/{report.pk}/").status_code
        assert status == (200 if name in VISIBLE[viewer] else 404), name


def check_generate(data, viewer):
    api = client(data, viewer)
    outsider = "other" if viewer == "manager" else "mate"
    response = api.post(
        API + "reports/generate/",
        {
            "report_type": "user_activity",
            "user_id": data["org"][outsider].pk,
            "start_date": "2026-11-01",
            "end_date": "2026-11-07",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["user_id"]


def check_export(data, viewer):
    api = client(data, viewer)
    for dataset in ("performance", "engagement"):
        response = api.get(API + "export/", {"format": "json", "dataset": dataset})
        rows = json.loads(b"".join(response.streaming_content))
        assert owners_of(rows, data, "user_id") == VISIBLE[viewer], dataset


def check_privacy_export(data, viewer):
    api = client(data, viewer)
    for name in OWNERS:  # anyone's archive, their own included: admins only
        path = API + f"privacy/users/{data['org'][name].pk}/export/"
        assert api.get(path).status_code == 403, name


def check_privacy_erase(data, viewer):
    api = client(data, viewer)
    for name in OWNERS:
        path = API + f"privacy/users/{data['org'][name].pk}/erase/"
        assert api.post(path).status_code == 403, name
    active = User.objects.filter(is_active=True).values_list("username", flat=True)
    assert set(active) == set(OWNERS)  # nobody was erased


def alerts_of_every_scope(data) -> dict:
    """One firing alert per rule: the organisation's, each team's, each user's."""
    org = data["org"]
    now = timezone.now()
    scopes = {
        "organisation": {},
        "team Alpha": {"team": org["manager"].team},
        "team Beta": {"team": org["other"].team},
        **{f"user {name}": {"user": org[name]} for name in OWNERS},
    }
    alerts = {}
    for label, scope in scopes.items():
        rule = AlertRule.objects.create(
            name=label, kind="metric_threshold", metric_type="crm_sync_success", **scope
        )
        alerts[label] = Alert.objects.create(
            rule=rule,
            fingerprint=label.ljust(40, "x")[:40],
            severity="warning",
            state="firing",
            since=now,
            last_evaluated_at=now,
        )
    return alerts


def check_alerts(data, viewer):
    alerts_of_every_scope(data)
    response = client(data, viewer).get(API + "alerts/")
    if viewer == "member":
        assert response.status_code == 403
        return
    seen = {row["rule"] for row in response.json()["results"]}
    assert seen == {
        "organisation",
        "team Alpha",
        "user manager",
        "user member",
        "user mate",
    }


def check_admin_only(method, path_of):
    def check(data, viewer):
        alerts = alerts_of_every_scope(data)
        path = API + path_of(alerts)
        response = getattr(client(data, viewer), method)(path, {}, format="json")
        assert response.status_code == 403
        assert Alert.objects.filter(acknowledged_at__isnull=False).count() == 0

    return check


def check_anomalies(data, viewer):
    """One anomaly per owner: the organisation, each team, each user."""
    org = data["org"]
    owners = {
        "organisation": {},
        "team Alpha": {"team": org["manager"].team},
        "team Beta": {"team": org["other"].team},
        **{f"user {name}": {"user": org[name]} for name in OWNERS},
    }
    for label, owner in owners.items():
        Anomaly.objects.create(
            series_kind="metric",
            metric_type="crm_sync_success",
            granularity="daily",
            scope_key=label,
            timestamp=timezone.now() - dt.timedelta(days=1),
            observed=0.2,
            expected=0.9,
            score=0.99,
            direction="down",
            severity="critical",
            **owner,
        )
    rows = client(data, viewer).get(API + "anomalies/").json()["results"]
    expected = {f"user {name}" for name in VISIBLE[viewer]}
    if viewer == "manager":  # the whole team Alpha, and organisation figures
        expected |= {"organisation", "team Alpha"}
    assert {Anomaly.objects.get(pk=row["id"]).scope_key for row in rows} == expected


# Each owner's denominator is a distinct power of two: a pooled series' denominator
# says whose rows it holds.
DENOMINATORS = {name: 16 * 2**i for i, name in enumerate(OWNERS)}


def check_insights(data, viewer):
    day = timezone.localdate() - dt.timedelta(days=1)
    for name, denominator in DENOMINATORS.items():
        PerformanceMetric.objects.create(
            metric_type="crm_sync_success",
            aggregation_period="daily",
            period_start=local_midnight(day),
            period_end=local_midnight(day + dt.timedelta(days=1)),
            user=data["org"][name],
            value=0.5,
            metadata={"numerator": denominator / 2, "denominator": denominator},
        )
    api = client(data, viewer)
    query = {"metric_type": "crm_sync_success", "days": 3}
    body = api.get(API + "insights/", query).json()
    point = next(p for p in body["series"] if p["denominator"])
    seen = {name for name, d in DENOMINATORS.items() if int(point["denominator"]) & d}
    assert seen == VISIBLE[viewer]
    outsider = data["org"]["other" if viewer == "manager" else "mate"]
    # Outside the scope answers as absent, as the dashboard does.
    response = api.get(API + "insights/", {**query, "user_id": outsider.pk})
    assert response.status_code == 404
    response = api.get(API + "insights/", {**query, "team": outsider.team_id})
    assert response.status_code == 404


SCOPED_VIEWS = {
    "analytics-anomalies": check_anomalies,
    "analytics-insights": check_insights,
    "analytics-alerts": check_alerts,
    "analytics-alert-rules": check_admin_only("get", lambda a: "alerts/rules/"),
    "analytics-alert-rule-detail": check_admin_only(
        "get", lambda a: f"alerts/rules/{a['organisation'].rule_id}/"
    ),
    "analytics-alert-silences": check_admin_only("post", lambda a: "alerts/silences/"),
    "analytics-alert-acknowledge": check_admin_only(
        "post", lambda a: f"alerts/{a['team Alpha'].pk}/acknowledge/"
    ),
    "analytics-dashboard": check_dashboard,
    "analytics-performance": check_performance,
    "analytics-engagement": check_engagement,
    "analytics-track-engagement": check_track,
    "analytics-system-health": check_system_health_list,
    "analytics-system-health-status": check_system_health_status,
    "analytics-reports": check_reports,
    "analytics-report-detail": check_report_detail,
    "analytics-reports-generate": check_generate,
    "analytics-export": check_export,
    "analytics-privacy-export": check_privacy_export,
    "analytics-privacy-erase": check_privacy_erase,
}


@pytest.mark.parametrize("viewer", ["manager", "member"])
@pytest.mark.parametrize("route", sorted(SCOPED_VIEWS))
def test_each_view_leaves_out_what_the_viewer_may_not_see(data, route, viewer):
    SCOPED_VIEWS[route](data, viewer)


def test_the_admin_sees_everyone(data):
    rows = client(data, "admin").get(API + "metrics/engagement/").json()["results"]
    assert owners_of(rows, data) == set(OWNERS)
    assert dashboard(data, "admin")[0] == len(OWNERS)


def test_every_analytics_route_has_a_scoping_check():
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) == "api/v1/analytics/":
            routes = {route.name for route in pattern.url_patterns}
    assert routes == set(SCOPED_VIEWS)
