import csv
import io
import json
import uuid

import pytest
from django.db import OperationalError
from django.urls import reverse

from apps.accounts.models import Role
from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.analytics.models import DeliveryStatus, ReportDelivery, ReportStatus
from apps.analytics.reporting.render_html import (
    format_cell,
    render_email_html,
    report_context,
    svg_line_chart,
)
from apps.analytics.tests.factories import ReportFactory
from apps.core.models import AuditLog

NOTE = "Debriefing completion rose 5.2 points against the previous day."
HEADER = ["Metric", "Value", "Sample size", "Previous day", "Change"]


def series(title="Debriefing completion", values=(0.5, 0.6, None, 0.7, 0.8)):
    """Return a daily percent series with the given values from 2026-11-21."""
    return {
        "key": "debriefing_completion_daily",
        "title": title,
        "format": "percent",
        "points": [
            {"date": f"2026-11-{21 + i}", "value": value}
            for i, value in enumerate(values)
        ],
    }


def report_data(scope=None) -> dict:
    """Return a small schema-1 daily summary, written out by hand."""
    return {
        "schema_version": 1,
        "report_type": "daily_summary",
        "title": "Daily summary for 2026-11-27 (Whole organisation)",
        "period": {
            "start": "2026-11-27T00:00:00+01:00",
            "end": "2026-11-28T00:00:00+01:00",
            "label": "2026-11-27",
            "time_zone": "Europe/Amsterdam",
        },
        "scope": scope
        or {"kind": "organisation", "label": "Whole organisation", "user_ids": None},
        "summary": [
            {
                "metric_type": "debriefing_completion",
                "label": "Debriefing completion",
                "format": "percent",
                "value": 0.8333,
                "numerator": 10,
                "denominator": 12,
                "sample_size": 12,
                "comparisons": {
                    "previous_day": {"value": 0.7813, "change": 0.052},
                    "same_day_last_week": {"value": 0.9333, "change": -0.1},
                },
            },
            {
                "metric_type": "user_engagement",
                "label": "Active users",
                "format": "count",
                "value": 1234,
                "numerator": None,
                "denominator": None,
                "sample_size": 5000,
                "comparisons": {
                    "previous_day": {"value": 1237, "change": -3},
                    "same_day_last_week": {"value": 1230, "change": 4},
                },
            },
        ],
        "sections": {},
        "tables": [
            {
                "key": "metrics",
                "title": "Metrics",
                "columns": HEADER,
                "rows": [
                    ["Debriefing completion", 0.8333, 12, 0.7813, 0.052],
                    ["Active users", 1234, 5000, 1237, -3],
                ],
                "formats": ["text", "row", "count", "row", "row_change"],
                "row_formats": ["percent", "count"],
            },
            {
                "key": "engagement_by_type",
                "title": "Engagement by type",
                "columns": ["Engagement type", "Events"],
                "rows": [],
                "formats": ["text", "count"],
            },
        ],
        "series": [series()],
        "notes": [NOTE],
    }


def completed_report(**kwargs):
    """Create a completed report of `report_data()` (scoped to its creator).

    Its `parameters` carry the scope as ReportingService stores it.
    """
    kwargs.setdefault("status", ReportStatus.COMPLETED)
    report = ReportFactory(**kwargs)
    if "report_data" not in kwargs:
        report.report_data = report_data(
            {
                "kind": "user",
                "label": report.created_by.username,
                "user_ids": [report.created_by.pk],
            }
        )
    scope = report.report_data.get("scope") or {}
    ids = scope.get("user_ids")
    key = (
        "organisation"
        if ids is None
        else f"{scope['kind']}:" + ",".join(str(pk) for pk in ids)
    )
    report.parameters = {"scope": scope, "scope_key": key}
    report.save()
    return report


def urls(report) -> dict:
    """Return the report's page, JSON and CSV addresses."""
    return {
        name: reverse(f"analytics:report-{name}", args=[report.pk])
        for name in ("detail", "json", "csv")
    }


@pytest.mark.parametrize(
    ("value", "fmt", "row_format", "expected"),
    [
        ("Acme", "text", None, "Acme"),
        (None, "text", None, ""),
        (7, "text", None, "7"),
        (1234, "count", None, "1,234"),
        (1234.0, "count", None, "1,234"),
        (1234.56, "count", None, "1,234.6"),
        (0, "count", None, "0"),
        (None, "count", None, "n/a"),
        (3, "decimal", None, "3.0"),
        (2.36, "decimal", None, "2.4"),
        (None, "decimal", None, "n/a"),
        (0.8333, "percent", None, "83.3%"),
        (1, "percent", None, "100.0%"),
        (0, "percent", None, "0.0%"),
        (None, "percent", None, "n/a"),
        (0.052, "percent_change", None, "+5.2 pts"),
        (-0.1, "percent_change", None, "\u221210.0 pts"),
        (0, "percent_change", None, "0.0 pts"),
        (-0.0001, "percent_change", None, "0.0 pts"),
        (None, "percent_change", None, "n/a"),
        (4, "count_change", None, "+4"),
        (-3, "count_change", None, "\u22123"),
        (0, "count_change", None, "0"),
        (1500, "count_change", None, "+1,500"),
        (None, "count_change", None, "n/a"),
        (0.5, "row", "percent", "50.0%"),
        (7, "row", "count", "7"),
        (None, "row", "percent", "n/a"),
        (0.052, "row_change", "percent", "+5.2 pts"),
        (-3, "row_change", "count", "\u22123"),
        (None, "row_change", "percent", "n/a"),
    ],
)
def test_format_cell_formats_each_table_format(value, fmt, row_format, expected):
    assert format_cell(value, fmt, row_format) == expected


def test_svg_chart_draws_one_polyline_per_run_of_defined_points():
    svg = svg_line_chart(series())

    assert svg.startswith("<svg")
    assert svg.count("<polyline") == 2
    assert 'role="img"' in svg
    assert "aria-label=" in svg
    assert "<title>Debriefing completion</title>" in svg
    assert "2026-11-21" in svg and "2026-11-25" in svg
    assert all(label in svg for label in (">0%<", ">50%<", ">100%<"))


def test_svg_chart_escapes_the_title():
    svg = svg_line_chart(series(title="<script>alert(1)</script>"))

    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_svg_chart_shows_a_lone_point_between_gaps():
    svg = svg_line_chart(series(values=(None, 0.4, None)))

    assert svg.count("<polyline") == 1
    assert svg.count("<circle") == 1


@pytest.mark.parametrize("values", [(), (None, None)])
def test_svg_chart_of_no_values_says_there_is_no_data(values):
    svg = svg_line_chart(series(values=values))

    assert "No data for this period" in svg
    assert "<polyline" not in svg


@pytest.mark.django_db
def test_report_context_formats_cards_tables_and_links():
    report = completed_report()

    context = report_context(report)

    completion, users = context["cards"]
    assert completion["value"] == "83.3%"
    assert completion["basis"] == "10 of 12"
    assert [c["text"] for c in completion["comparisons"]] == [
        "vs previous day: 78.1% (+5.2 pts)",
        "vs same day last week: 93.3% (\u221210.0 pts)",
    ]
    assert users["value"] == "1,234"
    assert [c["text"] for c in users["comparisons"]] == [
        "vs previous day: 1,237 (\u22123)",
        "vs same day last week: 1,230 (+4)",
    ]
    rows = [[cell["text"] for cell in row] for row in context["tables"][0]["rows"]]
    assert rows == [
        ["Debriefing completion", "83.3%", "12", "78.1%", "+5.2 pts"],
        ["Active users", "1,234", "5,000", "1,237", "\u22123"],
    ]
    assert context["links"] == {
        "html": f"/reports/{report.pk}/",
        "json": f"/reports/{report.pk}.json",
        "csv": f"/reports/{report.pk}.csv",
    }


@pytest.mark.django_db
def test_undefined_figures_read_n_a_and_never_zero():
    data = report_data()
    data["summary"][0] |= {
        "value": None,
        "comparisons": {"previous_day": {"value": None, "change": None}},
    }
    report = completed_report(report_data=data)

    card = report_context(report)["cards"][0]

    assert card["value"] == "n/a"
    assert [c["text"] for c in card["comparisons"]] == ["vs previous day: n/a"]


@pytest.mark.django_db
def test_page_shows_the_creator_figures_notes_chart_and_tables(client):
    report = completed_report()
    ReportDelivery.objects.create(
        report=report,
        report_type=report.report_type,
        period_start=report.period_start,
        period_end=report.period_end,
        recipient="lead@example.com",
        status=DeliveryStatus.SENT,
        attempts=1,
    )
    client.force_login(report.created_by)

    response = client.get(urls(report)["detail"])

    assert response.status_code == 200
    page = response.content.decode()
    assert "83.3%" in page
    assert "+5.2 pts" in page
    assert NOTE in page
    assert "<svg" in page and page.count("<polyline") == 2
    assert '<th scope="col" class="num">Sample size</th>' in page
    assert "No data for this period" in page  # the empty engagement table
    assert "lead@example.com" in page
    assert urls(report)["csv"] in page
    assert page.index("Headline figures") < page.index("Notable changes")
    assert page.index("Notable changes") < page.index("<svg")


@pytest.mark.django_db
def test_page_without_notes_says_nothing_unusual(client):
    data = report_data() | {"notes": []}
    report = completed_report(report_data=data)
    client.force_login(report.created_by)

    response = client.get(urls(report)["detail"])

    assert "Nothing unusual" in response.content.decode()


@pytest.mark.django_db
def test_page_escapes_report_text(client):
    data = report_data() | {"notes": ["<b>bold</b> claim"]}
    report = completed_report(report_data=data)
    client.force_login(report.created_by)

    page = client.get(urls(report)["detail"]).content.decode()

    assert "&lt;b&gt;bold&lt;/b&gt; claim" in page
    assert "<b>bold</b>" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "json", "csv"])
def test_member_of_another_team_gets_404(client, name):
    report = completed_report(created_by=UserFactory(team=TeamFactory(name="North")))
    outsider = UserFactory(team=TeamFactory(name="South"))
    client.force_login(outsider)

    assert client.get(urls(report)[name]).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "json", "csv"])
def test_manager_of_another_team_gets_404(client, name):
    report = completed_report(created_by=UserFactory(team=TeamFactory(name="North")))
    manager = UserFactory(role=Role.MANAGER, team=TeamFactory(name="South"))
    client.force_login(manager)

    assert client.get(urls(report)[name]).status_code == 404


@pytest.mark.django_db
def test_manager_sees_a_report_about_a_member_of_their_team(client):
    team = TeamFactory(name="North")
    member = UserFactory(team=team)
    manager = UserFactory(role=Role.MANAGER, team=team)
    scope = {"kind": "user", "label": member.username, "user_ids": [member.pk]}
    report = completed_report(created_by=member, report_data=report_data(scope))
    client.force_login(manager)

    assert client.get(urls(report)["detail"]).status_code == 200
    assert client.get(urls(report)["json"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "json", "csv"])
def test_missing_report_answers_404(client, name):
    client.force_login(UserFactory(role=Role.ADMIN))
    url = reverse(f"analytics:report-{name}", args=[uuid.uuid4()])

    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "json", "csv"])
def test_anonymous_is_sent_to_log_in(client, name):
    report = completed_report()
    url = urls(report)[name]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_json_download_is_the_report_data_as_an_attachment(client):
    report = completed_report()
    client.force_login(report.created_by)

    response = client.get(urls(report)["json"])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == (
        'attachment; filename="daily_summary-2026-11-27.json"'
    )
    assert json.loads(response.content) == report.report_data


@pytest.mark.django_db
def test_csv_download_parses_and_holds_the_table(client):
    report = completed_report()
    client.force_login(report.created_by)

    response = client.get(urls(report)["csv"])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="daily_summary-2026-11-27.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert HEADER in rows
    assert ["Active users", "1234", "5000", "1237", "-3"] in rows


@pytest.mark.django_db
def test_failed_report_shows_its_error_and_refuses_downloads(client):
    report = ReportFactory(
        status=ReportStatus.FAILED, error="Metric query timed out", report_data={}
    )
    client.force_login(report.created_by)

    page = client.get(urls(report)["detail"])
    json_response = client.get(urls(report)["json"])
    csv_response = client.get(urls(report)["csv"])

    assert page.status_code == 200
    assert "Metric query timed out" in page.content.decode()
    assert json_response.status_code == 409
    assert csv_response.status_code == 409
    assert b"failed" in csv_response.content


@pytest.mark.django_db
def test_pending_report_page_says_it_is_being_generated(client):
    report = ReportFactory(status=ReportStatus.PENDING)
    client.force_login(report.created_by)

    page = client.get(urls(report)["detail"]).content.decode()

    assert "being generated" in page
    assert "Nothing unusual" not in page


@pytest.mark.django_db
def test_email_html_has_the_headline_and_notes_and_no_svg():
    report = completed_report()

    html = render_email_html(report)

    assert "Debriefing completion" in html
    assert "83.3%" in html
    assert "vs previous day: 78.1% (+5.2 pts)" in html
    assert NOTE in html
    assert "daily_summary-2026-11-27.csv" in html
    assert "<svg" not in html
    assert "<style" not in html


@pytest.mark.django_db
def test_email_html_links_to_the_page_when_given_its_address():
    report = completed_report()
    url = f"https://analytics.example.com/reports/{report.pk}/"

    assert f'href="{url}"' in render_email_html(report, report_url=url)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "json", "csv"])
def test_every_view_of_a_report_page_is_audited(client, name):
    team = TeamFactory(name="North")
    member = UserFactory(team=team)
    manager = UserFactory(role=Role.MANAGER, team=team)
    scope = {"kind": "user", "label": member.username, "user_ids": [member.pk]}
    report = completed_report(created_by=member, report_data=report_data(scope))
    client.force_login(manager)

    assert client.get(urls(report)[name]).status_code == 200
    entry = AuditLog.objects.get()
    assert (entry.user, entry.action, entry.object_ids) == (
        manager,
        "view_report",
        [str(report.pk)],
    )
    assert entry.parameters["user_ids"] == [member.pk]


@pytest.mark.django_db
def test_a_report_view_that_cannot_be_audited_is_refused(client, monkeypatch):
    report = completed_report()
    client.force_login(report.created_by)

    def refuse(*args, **kwargs):
        raise OperationalError("the audit table is unavailable")

    monkeypatch.setattr(AuditLog.objects, "create", refuse)
    response = client.get(urls(report)["csv"])
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert b"Metric" not in response.content
