"""Reports read the stored rollups: the same figures as computing, in a handful of
queries, on a small demo organisation."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.scope import Scope
from apps.analytics.models import AggregationPeriod, Report
from apps.analytics.periods import period_containing, periods_between
from apps.analytics.services import ReportingService
from apps.analytics.services.collection import collect_metrics
from apps.analytics.services.dashboard import dashboard
from apps.analytics.tests.conftest import local
from apps.demo.generator import seed_demo

pytestmark = pytest.mark.django_db
NOW = local("2026-11-04", 12)
OCTOBER = dt.date(2026, 10, 15)  # the month spans the clocks going back (25 Oct)
WEEK_44 = dt.date(2026, 10, 28)
DAY = dt.date(2026, 10, 27)
service = ReportingService()


def on_vendor(sqlite: int, postgresql: int) -> int:
    """PostgreSQL computes percentiles in SQL: one more query per percentile read."""
    return postgresql if connection.vendor == "postgresql" else sqlite


@pytest.fixture
def demo():
    seed_demo(now=NOW, days=45, users=6)
    return {
        "admin": User.objects.get(username="admin"),
        "manager": User.objects.get(username="manager"),
        "member": User.objects.get(username="member"),
    }


def collect_rollups(*kinds):
    """Collect September to 1 November (reports compare with the period before)."""
    for kind in kinds or (
        AggregationPeriod.DAILY,
        AggregationPeriod.WEEKLY,
        AggregationPeriod.MONTHLY,
    ):
        first = period_containing(kind, local("2026-09-01", 12))
        periods, period = [], first
        while period.start < local("2026-11-02"):
            periods.append(period)
            period = period.next()
        collect_metrics(kind=kind, periods=periods, force=True)


def content(report: Report) -> dict:
    data = dict(report.report_data)
    data.pop("generation_seconds")
    return data


REPORTS = [
    ("daily", lambda user: service.generate_daily_summary_report(DAY, user)),
    ("weekly", lambda user: service.generate_weekly_performance_report(WEEK_44, user)),
    (
        "monthly",
        lambda user: service.generate_monthly_analytics_report(OCTOBER, user),
    ),
]


@pytest.mark.parametrize(("name", "generate"), REPORTS, ids=[r[0] for r in REPORTS])
def test_reports_from_rollups_equal_reports_computed_from_source(demo, name, generate):
    # The organisation (its own rows), a team and a member (their rows pooled).
    viewers = ("admin", "manager", "member")
    computed = {viewer: content(generate(demo[viewer])) for viewer in viewers}
    collect_rollups()
    Report.objects.all().delete()
    for viewer in viewers:
        assert content(generate(demo[viewer])) == computed[viewer], viewer
        assert computed[viewer]["summary"][0]["sample_size"] > 0  # there is data


@pytest.mark.parametrize(
    ("name", "generate", "queries"),
    [
        # Reuse check, insert (in a savepoint: 3 statements inside a test's
        # transaction), status, the rollups, health incidents, the day's anomalies,
        # the result.
        (*REPORTS[0], (9, 9)),
        # ... and each metric per user for the tables, and the competitors.
        (*REPORTS[1], (24, 26)),
        # ... the rollups, the daily series' rollups, the competitors, the month's
        # anomalies.
        (*REPORTS[2], (13, 13)),
    ],
    ids=[r[0] for r in REPORTS],
)
def test_each_report_type_runs_a_fixed_handful_of_queries(
    demo, name, generate, queries, django_assert_num_queries
):
    collect_rollups()
    with django_assert_num_queries(on_vendor(*queries)):
        generate(demo["admin"])


def test_user_activity_and_custom_reports_run_a_fixed_handful_of_queries(
    demo, django_assert_num_queries
):
    collect_rollups()
    # The subject and scope, the report's rows, each measure's metric for the team
    # at once (about 3 queries a metric), the events per day.
    with django_assert_num_queries(on_vendor(15, 16)):
        service.generate_user_activity_report(
            demo["member"], local("2026-10-05"), local("2026-11-01")
        )
    # A custom window has no stored kind: its two windows are computed (about 2
    # queries a metric each); its daily series reads the rollups in one query.
    with django_assert_num_queries(on_vendor(29, 33)):
        service.generate_custom_report(
            start=local("2026-10-05"),
            end=local("2026-11-01"),
            granularity="daily",
            user=demo["admin"],
        )


def test_a_monthly_report_with_daily_rollups_only_stays_well_under_fifty_queries(
    demo, django_assert_max_num_queries
):
    collect_rollups(AggregationPeriod.DAILY)  # what `make run` and the beat collect
    with django_assert_max_num_queries(40):
        service.generate_monthly_analytics_report(OCTOBER, demo["admin"])


@pytest.mark.parametrize("days", [7, 30])
def test_the_dashboard_runs_the_same_queries_whatever_its_window(
    days, django_assert_num_queries
):
    # History up to now, collected up to yesterday, as the daily beat leaves it.
    now = timezone.now()
    seed_demo(now=now, days=40, users=6)
    collect_metrics(
        kind=AggregationPeriod.DAILY,
        periods=periods_between(
            AggregationPeriod.DAILY, now - dt.timedelta(days=40), now
        )[:-1],
        force=True,
    )
    scope = Scope.for_viewer(User.objects.get(username="manager"))
    # The stored series (one query); the headline now and before and the series'
    # today counted together: their stored days (one), each rate's raw rest
    # (five), engagement (the stored days, then each window's raw rest, types
    # included: four); the competitors (4), the window's anomalies, the health
    # readings, the open alerts. Then it is cached but for the open alerts.
    with django_assert_num_queries(19):
        dashboard(scope, days)
    with django_assert_num_queries(1):
        assert dashboard(scope, days)["is_cached"]
