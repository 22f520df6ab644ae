"""The web app without a browser: sign-in, scoping of pages and of the dashboard
API's user/team/period choices, the report list and form, and the link rule."""

import datetime as dt

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from apps.accounts.scope import Scope
from apps.analytics.models import Report, ReportType
from apps.analytics.views.common import view_choices
from apps.core.links import absolute_url

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/dashboard/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- sign-in ---------------------------------------------------------------------


def test_the_root_sends_visitors_to_sign_in_and_members_to_the_dashboard(org):
    assert Client().get("/")["Location"] == "/accounts/login/"
    assert signed_in(org["member"]).get("/")["Location"] == "/dashboard/"


def test_a_page_sends_an_anonymous_visitor_to_sign_in_with_next(org):
    response = Client().get("/reports/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/reports/"


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/reports/", "/reports/"),
        ("https://evil.example.com/", "/dashboard/"),
        ("//evil.example.com/", "/dashboard/"),
    ],
)
def test_sign_in_honours_next_only_on_this_site(org, next_url, landing):
    org["member"].set_password("correct horse battery")
    org["member"].save()

    response = Client().post(
        "/accounts/login/",
        {"username": "member", "password": "correct horse battery", "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_wrong_password_is_refused_and_audited(org):
    from apps.core.models import AuditAction, AuditLog

    response = Client().post(
        "/accounts/login/", {"username": "member", "password": "wrong"}
    )

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1


def test_sign_out_takes_a_post_only(org):
    client = signed_in(org["member"])

    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert client.get("/dashboard/").status_code == 302


# -- who sees which page ---------------------------------------------------------

PAGES = {
    "/dashboard/": {"member": 200, "manager": 200, "admin": 200},
    "/dashboard/metrics/crm_sync_success/": {
        "member": 200,
        "manager": 200,
        "admin": 200,
    },
    "/reports/": {"member": 200, "manager": 200, "admin": 200},
    "/export/": {"member": 200, "manager": 200, "admin": 200},
    "/alerts/": {"member": 404, "manager": 200, "admin": 200},
    "/system/health/": {"member": 404, "manager": 404, "admin": 200},
}


@pytest.mark.parametrize("role", ["member", "manager", "admin"])
def test_each_role_opens_its_pages_and_gets_404_for_the_others(org, role):
    client = signed_in(org[role])
    for path, statuses in PAGES.items():
        assert client.get(path).status_code == statuses[role], path


@pytest.mark.parametrize("role", ["member", "manager"])
def test_navigation_lists_only_the_pages_a_role_may_open(org, role):
    page = signed_in(org[role]).get("/dashboard/").content.decode()

    assert ('href="/alerts/"' in page) == (role == "manager")
    assert 'href="/system/health/"' not in page


@pytest.mark.parametrize(
    ("viewer", "query", "status"),
    [
        ("member", "user_id={member}", 200),
        ("member", "user_id={other}", 404),
        ("member", "user_id=999999", 404),
        ("member", "user_id=abc", 404),
        ("manager", "user_id={mate}", 200),
        ("manager", "user_id={other}", 404),
        ("manager", "team={beta}", 404),
        ("admin", "team={beta}", 200),
        ("admin", "user_id={other}", 200),
    ],
)
def test_a_dashboard_of_someone_outside_the_scope_answers_404(
    org, viewer, query, status
):
    ids = {name: user.pk for name, user in org.items()}
    ids["beta"] = org["other"].team_id
    path = "/dashboard/?" + query.format(**ids)

    assert signed_in(org[viewer]).get(path).status_code == status
    # The API answers the same, but for an id that is no number: 400 naming it.
    api = signed_in(org[viewer]).get(API + "?" + query.format(**ids))
    assert api.status_code == (400 if query.endswith("abc") else status)


def test_asking_for_someone_outside_the_scope_is_audited_as_denied(org):
    from apps.core.models import AuditAction, AuditLog

    client = signed_in(org["member"])
    client.get(f"/dashboard/?user_id={org['other'].pk}")
    client.get(API, {"user_id": org["other"].pk})

    denied = AuditLog.objects.filter(action=AuditAction.DENIED)
    assert denied.count() == 2
    assert {tuple(row.object_ids) for row in denied} == {(str(org["other"].pk),)}


def test_a_manager_switches_between_the_team_each_member_and_themselves(org):
    scope = Scope.for_viewer(org["manager"])

    labels = [choice["label"] for choice in view_choices(scope, scope)]

    assert labels[0] == "Alpha"
    assert labels[1:] == ["manager (me)", "mate", "member"]


def test_an_admin_switches_between_the_organisation_each_team_and_user(org):
    scope = Scope.for_viewer(org["admin"])

    labels = [choice["label"] for choice in view_choices(scope, scope)]

    assert labels[:3] == ["Whole organisation", "Team: Alpha", "Team: Beta"]
    assert len(labels) == 3 + len(org)


def test_a_member_has_no_one_to_switch_to(org):
    scope = Scope.for_viewer(org["member"])

    assert view_choices(scope, scope) == []


# -- the dashboard API's period and narrowing ---------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-11-01", "end"),
        ("end=2026-11-01", "start"),
        ("start=2026-11-10&end=2026-11-01", "end"),
        ("start=1999-12-31&end=2000-01-02", "start"),
        ("start=2025-01-01&end=2026-01-01", "end"),
        ("start=2026-13-01&end=2026-11-01", "start"),
        ("days=0", "days"),
        ("user_id=1&team=1", "team"),
    ],
)
def test_a_bad_period_or_choice_answers_400_naming_the_field(org, query, field):
    response = signed_in(org["member"]).get(API + "?" + query)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_custom_range_covers_its_local_days_with_today_marked_partial(org):
    today = timezone.localdate()
    first = today - dt.timedelta(days=2)

    body = (
        signed_in(org["member"])
        .get(API, {"start": first.isoformat(), "end": today.isoformat()})
        .json()
    )

    assert body["window"]["first_day"] == first.isoformat()
    assert body["window"]["last_day"] == today.isoformat()
    assert body["window"]["days"] == 3
    series = body["series"]["crm_sync_success"]
    assert [point["date"] for point in series] == [
        (first + dt.timedelta(days=n)).isoformat() for n in range(3)
    ]
    assert [point["partial"] for point in series] == [False, False, True]
    assert {m["good_direction"] for m in body["metrics"]} == {"up"}


def test_a_narrowed_dashboard_names_whose_figures_it_holds(org):
    body = signed_in(org["manager"]).get(API, {"user_id": org["mate"].pk}).json()

    assert body["scope"]["user_ids"] == [org["mate"].pk]
    assert body["scope"]["label"] == "mate"


# -- reports -----------------------------------------------------------------------


def test_the_report_list_holds_only_reports_the_viewer_may_read(org):
    from apps.analytics.tests.factories import ReportFactory

    mine = ReportFactory(
        created_by=org["member"],
        subject_user=org["member"],
        title="Member's own",
        parameters={"scope_key": f"user:{org['member'].pk}"},
    )
    ReportFactory(
        created_by=org["other"],
        subject_user=org["other"],
        title="Other's own",
        parameters={"scope_key": f"user:{org['other'].pk}"},
    )

    page = signed_in(org["member"]).get("/reports/").content.decode()

    assert "Member&#x27;s own" in page
    assert f"/reports/{mine.pk}/" in page
    assert "Other&#x27;s own" not in page


def test_the_form_requests_a_report_and_opens_it(org):
    client = signed_in(org["manager"])

    response = client.post("/reports/", {"report_type": ReportType.DAILY_SUMMARY})

    report = Report.objects.get()
    assert response["Location"] == f"/reports/{report.pk}/"
    assert report.created_by == org["manager"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'href="/reports/"' in page.content  # navigation back


def test_a_report_about_someone_outside_the_scope_is_refused_naming_the_field(org):
    response = signed_in(org["manager"]).post(
        "/reports/",
        {"report_type": ReportType.USER_ACTIVITY, "user_id": org["other"].pk},
    )

    assert response.status_code == 400
    assert Report.objects.count() == 0
    assert response.context["form"].errors


# -- links ---------------------------------------------------------------------------


def test_links_follow_the_request_unless_a_base_url_is_set(settings):
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:9000")

    settings.ANALYTICS_BASE_URL = ""
    assert absolute_url("/reports/x/", request) == "http://127.0.0.1:9000/reports/x/"
    assert absolute_url("/reports/x/") == "http://127.0.0.1:8000/reports/x/"
    settings.ANALYTICS_BASE_URL = "https://analytics.example.com/"
    assert absolute_url("/reports/x/", request) == (
        "https://analytics.example.com/reports/x/"
    )
