"""The finding "deleting a user leaves their name in 7 stored reports": erasing a
user removes every occurrence of their username, full name and email from every
stored report, and leaves every figure as it was."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from apps.accounts.models import Role
from apps.accounts.scope import Scope
from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.analytics.models import PerformanceMetric, Report, ReportStatus
from apps.analytics.services import ReportingService
from apps.analytics.services.privacy import erase_user, pseudonym
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import UserEngagementMetricFactory
from apps.debriefings.models import DebriefingStatus
from apps.debriefings.tests.factories import DebriefingFactory
from apps.meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 10)
IDENTIFIERS = ("jane.doe", "Jane Doe", "jane.doe@example.com")


def debriefings(owner, count, completed):
    for n in range(count):
        end = local("2026-11-10", 9 + n)
        DebriefingFactory(
            meeting=MeetingFactory(
                owner=owner, start_time=end - dt.timedelta(hours=1), end_time=end
            ),
            status=DebriefingStatus.COMPLETED if n < completed else "pending",
            completed_at=end + dt.timedelta(hours=1) if n < completed else None,
        )


@pytest.fixture
def org():
    alpha = TeamFactory(name="Alpha")
    users = {
        "jane": UserFactory(
            username="jane.doe",
            first_name="Jane",
            last_name="Doe",
            email="jane.doe@example.com",
            team=alpha,
        ),
        "sam": UserFactory(username="sam", team=alpha),
        "boss": UserFactory(username="boss", role=Role.MANAGER, team=alpha),
        "root": UserFactory(username="root", role=Role.ADMIN),
    }
    debriefings(users["jane"], 4, 3)
    debriefings(users["sam"], 3, 1)
    for name in ("jane", "sam"):
        UserEngagementMetricFactory(
            user=users[name], timestamp=local("2026-11-10", 12), session_id=name
        )
    out = io.StringIO()
    for period in ("daily", "weekly", "monthly"):
        call_command(
            "collect_analytics", "--period", period, "--date", "2026-11-10", stdout=out
        )
    return users


def store_reports(users) -> list[Report]:
    """Every report a working week might leave: the organisation's, the team's,
    Jane's own and one about her."""
    service = ReportingService()
    jane, boss = users["jane"], users["boss"]
    system = Scope.system()
    requests = [
        ("daily_summary", system, {}),
        ("weekly_performance", system, {}),
        ("monthly_analytics", system, {}),
        ("weekly_performance", Scope.for_viewer(boss), {}),
        ("user_activity", Scope.for_viewer(boss), {"subject": jane.pk}),
        ("daily_summary", Scope.for_viewer(jane), {}),
        ("weekly_performance", Scope.for_viewer(jane), {}),
        ("monthly_analytics", Scope.for_viewer(jane), {}),
        (
            "custom",
            Scope.for_viewer(jane),
            {"start_date": DAY - dt.timedelta(days=6), "end_date": DAY},
        ),
    ]
    reports = []
    for report_type, scope, extra in requests:
        date = None if "start_date" in extra else extra.pop("date", DAY)
        report = service.request_report(report_type, scope=scope, date=date, **extra)
        assert report.status == ReportStatus.COMPLETED, report.error
        reports.append(report)
    return reports


def naming_her(report: Report) -> bool:
    text = json.dumps(
        [report.title, report.report_data, report.parameters], ensure_ascii=False
    )
    return any(name.lower() in text.lower() for name in IDENTIFIERS)


def figures() -> dict:
    """Every stored figure, and every report's summary values."""
    return {
        "metrics": sorted(
            PerformanceMetric.objects.values_list(
                "metric_type", "aggregation_period", "period_start", "user", "value"
            ),
            key=str,
        ),
        "organisation_breakdowns": list(
            PerformanceMetric.objects.filter(user=None)
            .order_by("pk")
            .values_list("metadata", flat=True)
        ),
        "summaries": {
            str(report.pk): [
                (row["metric_type"], row["value"], row["numerator"], row["denominator"])
                for row in report.report_data["summary"]
            ]
            for report in Report.objects.all()
        },
    }


def test_erasing_a_user_removes_her_names_from_every_stored_report(org):
    store_reports(org)
    jane = org["jane"]
    before = figures()
    assert sum(map(naming_her, Report.objects.all())) == 7  # the finding

    result = erase_user(jane, actor=org["root"])

    assert [r.title for r in Report.objects.all() if naming_her(r)] == []
    assert result["changed"]["reports"] == 7
    assert figures() == before
    name = pseudonym(jane.pk)
    activity = Report.objects.get(report_type="user_activity")
    assert activity.title == f"Activity of {name}, 2026-10-12 to 2026-11-10"
    weekly = Report.objects.get(report_type="weekly_performance", created_by=None)
    users_table = next(t for t in weekly.report_data["tables"] if t["key"] == "users")
    assert [row[0] for row in users_table["rows"]] == ["boss", name, "root", "sam"]


def test_reports_built_after_the_erasure_name_her_by_her_pseudonym(org):
    erase_user(org["jane"], actor=org["root"])
    reports = store_reports(org)
    assert not any(map(naming_her, reports))
