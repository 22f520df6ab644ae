"""The REST API: scoping per role, filters, pagination, tracking, reports, errors."""

import datetime as dt
import json
import uuid

import pytest
from rest_framework.test import APIClient

from apps.analytics.models import Report, UserEngagementMetric
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import (
    PerformanceMetricFactory,
    SystemHealthMetricFactory,
    UserEngagementMetricFactory,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def fields(response):
    return response.json()["error"]["fields"]


ENDPOINTS = [
    ("get", "dashboard/"),
    ("get", "metrics/performance/"),
    ("get", "metrics/engagement/"),
    ("post", "track-engagement/"),
    ("get", "metrics/system-health/"),
    ("get", "system-health/status/"),
    ("get", "reports/"),
    ("get", f"reports/{uuid.uuid4()}/"),
    ("post", "reports/generate/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_requires_authentication(method, path):
    response = getattr(APIClient(), method)(API + path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.fixture
def metrics(org):
    day = local("2026-11-10")
    rows = {}
    for name in ("member", "mate", "other"):
        rows[name] = PerformanceMetricFactory(user=org[name], period_start=day).pk
    rows["org"] = PerformanceMetricFactory(user=None, period_start=day).pk
    return rows


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("admin", {"member", "mate", "other", "org"}),
        ("manager", {"member", "mate", "org"}),
        ("member", {"member"}),
        ("other", {"other"}),
    ],
)
def test_performance_metrics_are_scoped_to_the_caller(org, metrics, viewer, visible):
    response = as_user(org[viewer]).get(API + "metrics/performance/")
    assert response.status_code == 200
    seen = {row["id"] for row in response.json()["results"]}
    assert seen == {metrics[name] for name in visible}


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("admin", {"member", "mate", "other"}),
        ("manager", {"member", "mate"}),
        ("member", {"member"}),
    ],
)
def test_engagement_events_are_scoped_to_the_caller(org, viewer, visible):
    for name in ("member", "mate", "other"):
        UserEngagementMetricFactory(user=org[name], session_id=name)
    response = as_user(org[viewer]).get(API + "metrics/engagement/")
    assert {row["session_id"] for row in response.json()["results"]} == visible


def test_performance_filters_and_inclusive_date_range(org):
    admin = as_user(org["admin"])
    for day in ("2026-11-09", "2026-11-10", "2026-11-11"):
        PerformanceMetricFactory(period_start=local(day))
    PerformanceMetricFactory(
        period_start=local("2026-11-10"), metric_type="crm_sync_success"
    )
    response = admin.get(
        API + "metrics/performance/",
        {
            "metric_type": "debriefing_completion",
            "start_date": "2026-11-10",
            "end_date": "2026-11-11",
            "ordering": "period_start",
        },
    )
    starts = [row["period_start"][:10] for row in response.json()["results"]]
    assert len(starts) == 2 and starts == sorted(starts)


def test_pagination_has_count_next_previous_and_a_capped_page_size(org):
    for n in range(7):
        PerformanceMetricFactory(period_start=local(f"2026-11-{n + 1:02d}"))
    admin = as_user(org["admin"])
    page = admin.get(API + "metrics/performance/", {"page_size": 3}).json()
    assert page["count"] == 7 and len(page["results"]) == 3
    assert page["previous"] is None and "page=2" in page["next"]
    capped = admin.get(API + "metrics/performance/", {"page_size": 100000}).json()
    assert len(capped["results"]) == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"metric_type": "happiness"}, "metric_type"),
        ({"aggregation_period": "yearly"}, "aggregation_period"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-11-10", "end_date": "2026-11-01"}, "end_date"),
        ({"start_date": "2024-01-01", "end_date": "2026-11-01"}, "end_date"),
        ({"user": "alice"}, "user"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(org, params, field):
    response = as_user(org["admin"]).get(API + "metrics/performance/", params)
    assert response.status_code == 400
    assert list(fields(response)) == [field]


def test_track_one_event_then_the_same_event_id_again(org):
    client = as_user(org["member"])
    body = {
        "engagement_type": "meeting_view",
        "session_id": "s-1",
        "entity_type": "meeting",
        "entity_id": "42",
        "duration_seconds": 12.5,
        "metadata": {"source": "web"},
        "event_id": str(uuid.uuid4()),
    }
    first = client.post(API + "track-engagement/", body, format="json")
    again = client.post(API + "track-engagement/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["user"] == org["member"].pk
    assert UserEngagementMetric.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"engagement_type": "dancing"}, "engagement_type"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"metadata": ["a"]}, "metadata"),
        ({"session_id": ""}, "session_id"),
        ({"event_id": "nope"}, "event_id"),
        ({"timestamp": "2999-01-01T00:00:00Z"}, "timestamp"),
    ],
)
def test_track_rejects_bad_events_naming_the_field(org, changes, field):
    body = {"engagement_type": "login", "session_id": "s", **changes}
    response = as_user(org["member"]).post(
        API + "track-engagement/", body, format="json"
    )
    assert response.status_code == 400
    assert list(fields(response)) == [field]
    assert not UserEngagementMetric.objects.exists()


def test_track_rejects_malformed_json(org):
    response = as_user(org["member"]).post(
        API + "track-engagement/", data="{oops", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_batch_tracking_is_all_or_nothing(org):
    client = as_user(org["member"])
    good = {"engagement_type": "login", "session_id": "s"}
    ok = client.post(API + "track-engagement/", {"events": [good, good]}, format="json")
    assert ok.status_code == 201 and ok.json()["created"] == 2
    bad = client.post(
        API + "track-engagement/",
        {"events": [good, {"engagement_type": "nope", "session_id": "s"}, good]},
        format="json",
    )
    assert bad.status_code == 400
    assert list(fields(bad)["events"]) == ["1"]
    assert "engagement_type" in fields(bad)["events"]["1"]
    huge = client.post(
        API + "track-engagement/", {"events": [good] * 1001}, format="json"
    )
    assert huge.status_code == 400 and "events" in fields(huge)
    assert UserEngagementMetric.objects.count() == 2


@pytest.mark.parametrize(
    ("viewer", "list_status", "status_status"),
    [("admin", 200, 200), ("manager", 403, 200), ("member", 403, 403)],
)
def test_system_health_access_by_role(org, viewer, list_status, status_status):
    SystemHealthMetricFactory(component="database", status="healthy")
    SystemHealthMetricFactory(
        component="gemini_api", health_type="api_response_time", status="critical"
    )
    client = as_user(org[viewer])
    assert client.get(API + "metrics/system-health/").status_code == list_status
    response = client.get(API + "system-health/status/")
    assert response.status_code == status_status
    if status_status == 200:
        body = response.json()
        assert body["status"] == "critical"
        assert [c["component"] for c in body["components"]] == [
            "database",
            "gemini_api",
        ]


def test_dashboard_by_role_with_cache_and_validation(org):
    PerformanceMetricFactory(user=org["member"])
    manager = as_user(org["manager"])
    first = manager.get(API + "dashboard/").json()
    second = manager.get(API + "dashboard/").json()
    assert (first["is_cached"], second["is_cached"]) == (False, True)
    assert first["window"]["days"] == 7
    assert first["scope"]["kind"] == "team"
    assert first["metrics"][0]["metric_type"] == "debriefing_completion"
    assert len(first["series"]["debriefing_completion"]) == 7
    assert "system_health" in first and "last_refresh" in first
    member = as_user(org["member"]).get(API + "dashboard/", {"days": 30}).json()
    assert member["scope"]["kind"] == "user" and "system_health" not in member
    for bad in ("0", "366", "week"):
        response = manager.get(API + "dashboard/", {"days": bad})
        assert response.status_code == 400 and list(fields(response)) == ["days"]


def test_reports_generate_list_and_detail_with_isolation(
    org, django_capture_on_commit_callbacks
):
    member = as_user(org["member"])
    made = member.post(
        API + "reports/generate/",
        {"report_type": "daily_summary", "date": "2026-11-10"},
        format="json",
    )
    assert made.status_code == 201
    body = made.json()
    assert body["status"] == "completed" and body["report_data"]["schema_version"] == 1
    assert body["links"]["csv"].endswith(f"/reports/{body['id']}.csv")

    with django_capture_on_commit_callbacks(execute=True):
        queued = as_user(org["manager"]).post(
            API + "reports/generate/",
            {"report_type": "weekly_performance", "date": "2026-11-10"},
            format="json",
        )
    assert queued.status_code == 202 and queued.json()["status"] == "pending"
    assert Report.objects.get(pk=queued.json()["id"]).status == "completed"

    assert [r["id"] for r in member.get(API + "reports/").json()["results"]] == [
        body["id"]
    ]
    assert (
        as_user(org["manager"]).get(API + f"reports/{body['id']}/").status_code == 200
    )
    assert as_user(org["mate"]).get(API + f"reports/{body['id']}/").status_code == 404
    assert as_user(org["other"]).get(API + f"reports/{body['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"report_type": "annual"}, "report_type"),
        ({"report_type": "daily_summary", "date": "2999-01-01"}, "date"),
        ({"report_type": "daily_summary", "date": "2026-13-01"}, "date"),
        ({"report_type": "user_activity"}, "user_id"),
        ({"report_type": "custom"}, "start_date"),
        (
            {
                "report_type": "custom",
                "start_date": "2026-11-10",
                "end_date": "2026-11-01",
            },
            "end_date",
        ),
    ],
)
def test_generate_rejects_bad_requests_naming_the_field(org, body, field):
    response = as_user(org["manager"]).post(
        API + "reports/generate/", body, format="json"
    )
    assert response.status_code == 400
    assert list(fields(response)) == [field]
    assert not Report.objects.exists()


def test_a_manager_cannot_report_on_another_teams_user(org):
    response = as_user(org["manager"]).post(
        API + "reports/generate/",
        {
            "report_type": "user_activity",
            "user_id": org["other"].pk,
            "start_date": "2026-11-01",
            "end_date": "2026-11-07",
        },
        format="json",
    )
    assert response.status_code == 400 and list(fields(response)) == ["user_id"]


def test_tracking_is_throttled_with_retry_after(org, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"track": "2/min"})
    client = as_user(org["member"])
    body = {"engagement_type": "login", "session_id": "s"}
    codes = [
        client.post(API + "track-engagement/", body, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    limited = client.post(API + "track-engagement/", body, format="json")
    assert limited.json()["error"]["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    # Other endpoints are not throttled.
    assert client.get(API + "metrics/engagement/").status_code == 200


def test_a_page_past_the_end_and_a_non_uuid_report_are_json_404s(org):
    admin = as_user(org["admin"])
    past = admin.get(API + "metrics/performance/", {"page": 5})
    assert past.status_code == 404 and past.json()["error"]["code"] == "not_found"
    odd = admin.get(API + "reports/null,null/")
    assert odd.status_code == 404 and odd.json()["error"]["code"] == "not_found"


def test_unknown_api_paths_answer_json_404(client, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/analytics/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/no-such-page/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": True}, "duration_seconds"),
        ({"session_id": {"nested": 1}}, "session_id"),
        ({"timestamp": "2026-02-30T10:00:00Z"}, "timestamp"),
        ({"metadata": "text"}, "metadata"),
    ],
)
def test_the_api_and_the_collector_share_one_event_validator(org, changes, field):
    from django.core.exceptions import ValidationError

    from apps.analytics.services import RealTimeAnalyticsCollector

    body = {"engagement_type": "login", "session_id": "s", **changes}
    response = as_user(org["member"]).post(
        API + "track-engagement/", body, format="json"
    )
    with pytest.raises(ValidationError) as raised:
        RealTimeAnalyticsCollector.track_user_engagement(user=org["member"], **body)
    assert response.status_code == 400
    assert fields(response) == raised.value.message_dict
    assert list(fields(response)) == [field]
    assert not UserEngagementMetric.objects.exists()


def test_a_timestamp_is_read_as_iso_8601(org):
    # Recent, as events are (limits.MAX_EVENT_AGE): two days ago.
    day = dt.date.today() - dt.timedelta(days=2)
    response = as_user(org["member"]).post(
        API + "track-engagement/",
        {
            "engagement_type": "login",
            "session_id": "s",
            "timestamp": f"{day}T09:30:00+01:00",
        },
        format="json",
    )
    assert response.status_code == 201
    stored = UserEngagementMetric.objects.get().timestamp
    assert stored == dt.datetime(day.year, day.month, day.day, 8, 30, tzinfo=dt.UTC)


def test_a_custom_report_ignores_user_id_and_reads_user_ids(org):
    # Found by the fuzzer: user_id with a custom report was a 500.
    response = as_user(org["manager"]).post(
        API + "reports/generate/",
        {
            "report_type": "custom",
            "start_date": "2026-11-01",
            "end_date": "2026-11-07",
            "user_id": org["member"].pk,
        },
        format="json",
    )
    assert response.status_code == 202
    report = Report.objects.get()
    assert report.subject_user is None
    assert report.parameters["scope_key"].startswith("team:")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"entity_id": "a\ud800b"}, "entity_id"),
        ({"session_id": "s\x00"}, "session_id"),
        ({"metadata": {"k": "\udfff"}}, "metadata"),
        ({"metadata": {"\x00": 1}}, "metadata"),
    ],
)
def test_text_that_cannot_be_stored_is_a_400_naming_the_field(org, changes, field):
    # Found by the fuzzer: a lone surrogate in entity_id was a 500 on PostgreSQL.
    body = {"engagement_type": "login", "session_id": "s", **changes}
    response = as_user(org["member"]).post(
        API + "track-engagement/",
        # Escaped as \uXXXX, as a JSON encoder sends them.
        json.dumps({"events": [body]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(fields(response)["events"]["0"]) == [field]
    assert not UserEngagementMetric.objects.exists()


@pytest.mark.parametrize("page", ["²", "٣", "0", "-1", "1.5"])
def test_a_page_that_is_not_a_whole_ascii_number_is_a_400(org, page):
    response = as_user(org["admin"]).get(API + "metrics/performance/", {"page": page})
    assert response.status_code == 400 and list(fields(response)) == ["page"]
