"""ReportingService: report contents on hand-built data, and the report lifecycle."""

import datetime as dt
import threading
import types

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.analytics.models import Report, ReportStatus
from apps.analytics.reporting import daily
from apps.analytics.reporting.monthly import trend
from apps.analytics.services import ReportingService
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import (
    SystemHealthMetricFactory,
    UserEngagementMetricFactory,
)
from apps.crm.models import SyncStatus
from apps.crm.tests.factories import CRMSyncLogFactory
from apps.debriefings.models import DebriefingStatus as S
from apps.debriefings.tests.factories import DebriefingFactory
from apps.meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
service = ReportingService()


def due(owner, ended_at, completed: bool):
    meeting = MeetingFactory(
        owner=owner, start_time=ended_at - dt.timedelta(hours=1), end_time=ended_at
    )
    return DebriefingFactory(
        meeting=meeting,
        status=S.COMPLETED if completed else S.PENDING,
        completed_at=ended_at + dt.timedelta(hours=1) if completed else None,
    )


def syncs(user, at, successes, failures):
    for n in range(successes + failures):
        CRMSyncLogFactory(
            user=user,
            attempted_at=at + dt.timedelta(minutes=n),
            status=SyncStatus.SUCCESS if n < successes else SyncStatus.FAILED,
            error="" if n < successes else "Timeout",
        )


@pytest.fixture
def day_data():
    team = TeamFactory(name="Alpha")
    rep = UserFactory(username="rep", team=team)
    # Tuesday 10 Nov: 1 of 2; Monday 9 Nov: 1 of 1; Tuesday 3 Nov: 1 of 4.
    due(rep, local("2026-11-10", 10), True)
    due(rep, local("2026-11-10", 11), False)
    due(rep, local("2026-11-09", 10), True)
    for hour, done in [(9, True), (10, False), (11, False), (12, False)]:
        due(rep, local("2026-11-03", hour), done)
    syncs(rep, local("2026-11-10", 9), successes=10, failures=10)
    syncs(rep, local("2026-11-09", 9), successes=20, failures=0)
    UserEngagementMetricFactory(user=rep, timestamp=local("2026-11-10", 9))
    for hour in (13, 14):
        SystemHealthMetricFactory(
            component="gemini_api",
            health_type="api_response_time",
            value=900.0 + hour,
            status="critical",
            timestamp=local("2026-11-10", hour),
        )
    return rep


def row(report, metric_type):
    return next(
        r for r in report.report_data["summary"] if r["metric_type"] == metric_type
    )


def test_daily_summary_compares_with_the_day_before_and_last_week(day_data):
    admin = UserFactory(role=Role.ADMIN)
    report = service.generate_daily_summary_report(
        date=dt.date(2026, 11, 10), user=admin
    )

    assert report.status == ReportStatus.COMPLETED
    assert (report.period_start, report.period_end) == (
        local("2026-11-10"),
        local("2026-11-11"),
    )
    completion = row(report, "debriefing_completion")
    assert completion["value"] == 0.5
    assert completion["comparisons"]["previous_day"] == {
        "value": 1.0,
        "sample_size": 1,
        "change": -0.5,
    }
    assert completion["comparisons"]["same_day_last_week"]["value"] == 0.25
    assert completion["comparisons"]["same_day_last_week"]["change"] == 0.25
    assert row(report, "crm_sync_success")["value"] == 0.5
    assert row(report, "meeting_detection_accuracy")["value"] is None
    assert report.report_data["sections"]["engagement"]["events"] == 1
    # Completion moved 50 points but on too little data; CRM sync on enough.
    assert report.report_data["notes"] == [
        "CRM sync success fell 50.0 points against the previous day (100.0% to 50.0%).",
        "gemini_api api response time was critical between 13:00 and 14:00 "
        "(2 reading(s)).",
    ]
    incident = report.report_data["sections"]["system_health"]["incidents"][0]
    assert (incident["status"], incident["readings"], incident["worst_value"]) == (
        "critical",
        2,
        914.0,
    )
    assert [t["key"] for t in report.report_data["tables"]] == [
        "metrics",
        "engagement_by_type",
        "system_health_incidents",
        "anomalies",
    ]
    assert report.report_data["schema_version"] == 1
    assert report.report_data["scope"]["kind"] == "organisation"


@pytest.mark.parametrize(
    ("day", "week_ago"),
    [("2026-04-01", "2026-03-25"), ("2026-10-28", "2026-10-21")],
)
def test_daily_summary_compares_with_the_same_weekday_across_a_clock_change(
    day, week_ago
):
    rep = UserFactory(username="rep")
    due(rep, local(day, 10), True)
    due(rep, local(week_ago, 10), False)
    the_day_before = dt.date.fromisoformat(week_ago) - dt.timedelta(days=1)
    due(rep, local(the_day_before.isoformat(), 10), True)

    report = service.generate_daily_summary_report(dt.date.fromisoformat(day))

    completion = row(report, "debriefing_completion")
    assert completion["comparisons"]["same_day_last_week"]["value"] == 0.0


def test_a_members_daily_summary_covers_only_their_data_and_no_system_health(
    day_data,
):
    other = UserFactory(username="other", team=TeamFactory(name="Beta"))
    due(other, local("2026-11-10", 10), False)
    report = service.generate_daily_summary_report(dt.date(2026, 11, 10), user=day_data)
    assert report.report_data["scope"] == {
        "kind": "user",
        "label": "rep",
        "user_ids": [day_data.pk],
    }
    assert row(report, "debriefing_completion")["value"] == 0.5
    assert "system_health" not in report.report_data["sections"]
    assert not any("gemini_api" in note for note in report.report_data["notes"])


def test_the_spec_example_runs_verbatim(day_data):
    request = types.SimpleNamespace(user=day_data)

    # --- the spec's example, as printed ---
    from apps.analytics.services import ReportingService

    reporting_service = ReportingService()
    report = reporting_service.generate_daily_summary_report(
        date=timezone.now(), user=request.user
    )
    # ---
    assert report.status == ReportStatus.COMPLETED
    assert report.created_by == day_data
    assert report.period_start == local(timezone.localdate().isoformat())


def test_a_completed_report_is_reused_unless_forced(day_data):
    first = service.generate_daily_summary_report(dt.date(2026, 11, 10))
    again = service.generate_daily_summary_report(dt.date(2026, 11, 10))
    forced = service.generate_daily_summary_report(dt.date(2026, 11, 10), force=True)
    assert (again.pk, again.reused) == (first.pk, True)
    assert forced.pk != first.pk and forced.reused is False
    assert Report.objects.count() == 2


def test_a_failing_generation_is_recorded_and_passes_through_generating(monkeypatch):
    seen = []

    def broken(moment, scope):
        seen.append(Report.objects.get().status)
        raise RuntimeError("the warehouse is on fire")

    monkeypatch.setattr(daily, "build", broken)
    report = service.generate_daily_summary_report(dt.date(2026, 11, 10))
    assert seen == [ReportStatus.GENERATING]
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "RuntimeError: the warehouse is on fire"
    assert report.report_data == {}
    # A failed report is never reused: the next request builds again.
    monkeypatch.undo()
    assert service.generate_daily_summary_report(dt.date(2026, 11, 10)).status == (
        ReportStatus.COMPLETED
    )


@pytest.fixture
def week_data():
    alpha, beta = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    ann = UserFactory(username="ann", team=alpha)
    bob = UserFactory(username="bob", team=alpha)
    cat = UserFactory(username="cat", team=beta)
    dan = UserFactory(username="dan", team=beta)
    monday = local("2026-11-09", 10)
    for n, done in enumerate([True, True, True, False]):  # ann 3/4
        due(ann, monday + dt.timedelta(hours=n), done)
    for n, done in enumerate([True, False, False]):  # bob 1/3
        due(bob, monday + dt.timedelta(hours=n), done)
    for n, done in enumerate([True, True, True]):  # cat 3/3
        due(cat, monday + dt.timedelta(hours=n), done)
    due(dan, monday, True)  # dan 1/1: too few to rank
    return ann, bob, cat, dan


def test_weekly_report_has_user_and_team_tables_and_ranks_performers(week_data):
    report = service.generate_weekly_performance_report(dt.date(2026, 11, 12))
    data = report.report_data
    assert data["period"]["label"] == "2026-W46"
    tables = {t["key"]: t for t in data["tables"]}
    users = {r[0]: r for r in tables["users"]["rows"]}
    assert users["ann"][2] == 0.75 and users["ann"][7] == 4
    assert users["bob"][2] == 1 / 3
    teams = {r[0]: r for r in tables["teams"]["rows"]}
    assert teams["Alpha"][:3] == ["Alpha", 2, 4 / 7]
    assert teams["Beta"][:3] == ["Beta", 2, 1.0]
    performers = data["sections"]["performers"]
    assert [p["user"] for p in performers["top"]] == ["cat", "ann", "bob"]
    assert [p["user"] for p in performers["bottom"]] == ["bob", "ann", "cat"]
    completion = row(report, "debriefing_completion")
    assert completion["value"] == 8 / 11
    series = {s["key"]: s for s in data["series"]}
    points = series["debriefing_completion_daily"]["points"]
    assert [p["date"] for p in points][:2] == ["2026-11-09", "2026-11-10"]
    assert points[0]["value"] == 8 / 11 and points[1]["value"] is None
    assert "competitive_intelligence" in data["sections"]


def test_monthly_trend_is_significance_aware_and_never_against_the_change():
    def points(values):
        start = dt.date(2026, 11, 1)
        return [
            {"date": (start + dt.timedelta(days=i)).isoformat(), "value": v}
            for i, v in enumerate(values)
        ]

    rising = points([0.5 + 0.01 * i for i in range(30)])
    assert trend(rising)["direction"] == "up"
    assert trend(rising)["significant"] is True
    assert trend(rising)["slope_per_week"] == pytest.approx(0.07)
    assert trend(points([0.9 - 0.01 * i for i in range(30)]))["direction"] == "down"
    # Noise around a level is no trend, however a least-squares line leans.
    assert trend(points([0.5, 0.51] * 15))["direction"] == "flat"
    assert trend(points([1, None, 2]))["direction"] == "insufficient data"
    assert trend(points([100 + i for i in range(30)]))["direction"] == "up"
    # A month up on the month before, falling within: "mixed", never "down".
    falling = points([0.9 - 0.01 * i for i in range(30)])
    assert trend(falling, change=0.024)["direction"] == "mixed"
    assert trend(falling, change=-0.03)["direction"] == "down"


def test_monthly_report_compares_month_over_month(week_data):
    ann = week_data[0]
    due(ann, local("2026-10-15", 10), False)  # October: 0 of 1
    report = service.generate_monthly_analytics_report(dt.date(2026, 11, 20))
    completion = row(report, "debriefing_completion")
    assert completion["value"] == 8 / 11
    assert completion["comparisons"]["previous_month"]["value"] == 0.0
    series = {s["key"]: s for s in report.report_data["series"]}
    assert len(series["debriefing_completion_daily"]["points"]) == 30
    trend_row = report.report_data["tables"][0]
    assert trend_row["columns"][-1] == "Trend"


def test_user_activity_compares_with_the_team_median():
    team = TeamFactory(name="Alpha")
    rep, mate, idle = (
        UserFactory(username=n, team=team) for n in ("rep", "mate", "idle")
    )
    start, end = local("2026-11-01"), local("2026-11-08")
    for n in range(4):
        UserEngagementMetricFactory(
            user=rep, timestamp=local("2026-11-02", 9 + n), session_id=f"r{n % 2}"
        )
    for n in range(2):
        UserEngagementMetricFactory(user=mate, timestamp=local("2026-11-03", 9 + n))
    due(rep, local("2026-11-02", 10), True)
    report = service.generate_user_activity_report(rep, start, end)
    measures = report.report_data["sections"]["measures"]
    assert measures["Events"] == {"user": 4, "team_median": 2, "format": "count"}
    assert measures["Sessions"]["user"] == 2
    assert measures["Debriefing completion"]["user"] == 1.0
    assert measures["Debriefing completion"]["team_median"] == 1.0
    assert report.report_data["sections"]["active_days"] == 1
    points = report.report_data["series"][0]["points"]
    assert [p["value"] for p in points] == [0, 4, 0, 0, 0, 0, 0]
    assert report.subject_user == rep and idle.pk


def test_custom_report_with_chosen_metrics_granularity_and_comparison(week_data):
    ann, bob, _, _ = week_data
    manager = UserFactory(role=Role.MANAGER, team=ann.team)
    report = service.generate_custom_report(
        start=local("2026-11-09"),
        end=local("2026-11-16"),
        metrics=["debriefing_completion"],
        granularity="daily",
        users=[ann, bob],
        user=manager,
    )
    data = report.report_data
    assert [r["metric_type"] for r in data["summary"]] == ["debriefing_completion"]
    assert data["summary"][0]["value"] == 4 / 7
    assert len(data["series"][0]["points"]) == 7
    assert data["summary"][0]["comparisons"]["previous_period"]["value"] is None


@pytest.mark.parametrize(
    ("window", "first_day_before"),
    [
        (("2026-10-26", "2026-11-02"), "2026-10-19"),  # after the autumn change
        (("2026-10-25", "2026-11-01"), "2026-10-18"),  # holding it
        (("2026-03-30", "2026-04-06"), "2026-03-23"),  # after the spring change
        (("2026-03-29", "2026-04-05"), "2026-03-22"),  # holding it
    ],
)
def test_custom_report_compares_with_as_many_local_days_before(
    window, first_day_before
):
    rep = UserFactory(username="rep")
    # Completed half an hour into the previous week; missed half an hour before it.
    due(rep, local(first_day_before, 0, 30), True)
    day_before = dt.date.fromisoformat(first_day_before) - dt.timedelta(days=1)
    due(rep, local(day_before.isoformat(), 23, 30), False)

    # In UTC, as the API passes them and the database returns them: Python subtracts
    # two times of one zone on the wall clock, which hid the drift.
    start, end = (local(day).astimezone(dt.UTC) for day in window)
    report = service.generate_custom_report(
        start=start, end=end, metrics=["debriefing_completion"]
    )

    previous = report.report_data["summary"][0]["comparisons"]["previous_period"]
    assert (previous["value"], previous["sample_size"]) == (1.0, 1)


def test_custom_report_refuses_users_outside_the_requesters_scope(week_data):
    ann, _, cat, _ = week_data
    manager = UserFactory(role=Role.MANAGER, team=ann.team)
    with pytest.raises(PermissionError):
        service.generate_custom_report(
            start=local("2026-11-09"),
            end=local("2026-11-16"),
            users=[cat],
            user=manager,
        )
    with pytest.raises(ValueError, match="at most 366 days"):
        service.generate_custom_report(
            start=local("2025-01-01"), end=local("2026-11-16")
        )


def test_managers_see_organisation_figures_but_not_other_teams_users(week_data):
    from apps.accounts.scope import Scope
    from apps.analytics.reporting.access import visible_reports

    def can_view_report(viewer, report):
        return visible_reports(Scope.for_viewer(viewer)).filter(pk=report.pk).exists()

    ann = week_data[0]
    manager = UserFactory(role=Role.MANAGER, team=ann.team)
    daily_report = service.generate_daily_summary_report(dt.date(2026, 11, 10))
    weekly_report = service.generate_weekly_performance_report(dt.date(2026, 11, 10))
    assert can_view_report(manager, daily_report)
    assert not can_view_report(manager, weekly_report)
    assert not can_view_report(ann, daily_report)
    teams_report = service.generate_weekly_performance_report(
        dt.date(2026, 11, 10), user=manager
    )
    assert teams_report.report_data["scope"]["kind"] == "team"
    assert can_view_report(manager, teams_report)
    assert not can_view_report(ann, teams_report)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers"
)
@pytest.mark.django_db(transaction=True)
def test_identical_concurrent_requests_yield_one_report(day_data):
    rep = day_data
    errors, reports = [], []

    def request():
        try:
            reports.append(
                service.generate_daily_summary_report(dt.date(2026, 11, 10), rep).pk
            )
        except Exception as exc:  # collected to fail the test, not to hide it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Report.objects.count() == 1 and set(reports) == {Report.objects.get().pk}


def test_a_request_identical_to_one_being_built_shares_it_even_forced(day_data):
    first = service.generate_daily_summary_report(dt.date(2026, 11, 10), day_data)
    Report.objects.filter(pk=first.pk).update(status=ReportStatus.GENERATING)
    again = service.generate_daily_summary_report(
        dt.date(2026, 11, 10), day_data, force=True
    )
    assert (again.pk, again.reused) == (first.pk, True)
    assert Report.objects.count() == 1


def test_a_report_abandoned_mid_build_is_failed_and_built_again(day_data):
    first = service.generate_daily_summary_report(dt.date(2026, 11, 10), day_data)
    Report.objects.filter(pk=first.pk).update(
        status=ReportStatus.GENERATING,
        updated_at=timezone.now() - dt.timedelta(hours=1),
    )
    again = service.generate_daily_summary_report(dt.date(2026, 11, 10), day_data)
    first.refresh_from_db()
    assert first.status == ReportStatus.FAILED and "Abandoned" in first.error
    assert again.pk != first.pk and again.status == ReportStatus.COMPLETED


@pytest.mark.usefixtures("week_data")
def test_custom_reports_with_other_options_are_not_reused():
    one = service.generate_custom_report(
        start=local("2026-11-09"), end=local("2026-11-16"), metrics=["crm_sync_success"]
    )
    other = service.generate_custom_report(
        start=local("2026-11-09"), end=local("2026-11-16"), metrics=["user_engagement"]
    )
    same = service.generate_custom_report(
        start=local("2026-11-09"), end=local("2026-11-16"), metrics=["crm_sync_success"]
    )
    assert other.pk != one.pk and same.pk == one.pk
