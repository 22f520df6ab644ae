"""The web app in real headless Chromium: each role's dashboard, scoping, the
period, live updates, exports, reports, accessibility and no request off-machine."""

import json
import urllib.request
from pathlib import Path

import pytest

from apps.accounts.models import User
from apps.analytics.tests.web.conftest import screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = 6  # one per metric (apps/analytics/selectors/snapshots.METRICS)


def wait_for_dashboard(page):
    page.wait_for_selector("#dashboard[data-loaded='true']", timeout=20_000)


def plotted_points(page, chart_id) -> int:
    """Count the data points Plotly holds for a chart (0 when it drew none)."""
    return page.evaluate(
        """id => { const el = document.getElementById(id);
                   if (!el || !el.data) return 0;
                   return el.data.reduce((n, t) => n + (t.y || t.x || []).filter(
                       v => v !== null).length, 0); }""",
        chart_id,
    )


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        ("member", ["/dashboard/", "/reports/", "/export/"]),
        ("manager", ["/dashboard/", "/reports/", "/export/", "/alerts/"]),
        (
            "admin",
            ["/dashboard/", "/reports/", "/export/", "/alerts/", "/system/health/"],
        ),
    ],
)
def test_each_role_sees_their_cards_and_charts_accessibly_and_offline(
    demo, visit, role, pages
):
    session = visit(role)
    page = session.page
    assert page.url.endswith("/dashboard/")  # the root sent them to the dashboard
    wait_for_dashboard(page)

    assert page.locator(".card").count() == CARDS
    assert plotted_points(page, "trend-chart") > 0
    assert page.locator("#trend-chart .main-svg").count() > 0
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Alerts").count() == (role != "member")
    assert nav.get_by_role("link", name="System health").count() == (role == "admin")
    screenshot(page, f"{role}-dashboard-laptop")

    for path in pages:
        page.goto(session.base + path)
        if path == "/dashboard/":
            wait_for_dashboard(page)
        assert serious_violations(page) == [], path
    assert session.external_requests() == []

    phone = visit(role, width=390, height=844)
    wait_for_dashboard(phone.page)
    screenshot(phone.page, f"{role}-dashboard-phone")


def test_another_users_page_answers_404_and_is_not_rendered(demo, visit):
    other = User.objects.get(username="other")
    page = visit("member").page
    base = page.url.split("/dashboard/")[0]

    response = page.goto(f"{base}/dashboard/?user_id={other.pk}")
    assert response.status == 404
    assert page.locator(".card").count() == 0
    assert page.goto(f"{base}/system/health/").status == 404


def test_a_manager_switches_to_a_member_and_changes_the_period(demo, visit):
    page = visit("manager").page
    wait_for_dashboard(page)
    member = User.objects.get(username="member")

    page.get_by_label("Showing").select_option(f"user_id={member.pk}")
    page.wait_for_url(f"**user_id={member.pk}**")
    wait_for_dashboard(page)
    assert member.get_full_name() in page.locator("h1").inner_text()
    week = page.locator(
        ".card[data-metric='user_engagement'] [data-basis]"
    ).inner_text()

    page.get_by_label("90 days").check()
    page.wait_for_function(
        "before => document.querySelector(\".card[data-metric='user_engagement'] "
        '[data-basis]").textContent !== before',
        arg=week,
        timeout=20_000,
    )
    assert "days=90" in page.url


def test_a_tracked_event_appears_live_without_a_reload(demo, visit, live_server):
    page = visit("admin").page
    wait_for_dashboard(page)
    before = int(page.locator("#active-now").inner_text())

    token = _post(
        live_server.url + "/api/v1/auth/token/",
        {"username": "other", "password": "demo"},
    )["token"]
    _post(
        live_server.url + "/api/v1/analytics/track-engagement/",
        {"engagement_type": "login", "session_id": "browser-test"},
        token,
    )

    page.wait_for_function(
        "n => document.getElementById('active-now').textContent === String(n)",
        arg=before + 1,
        timeout=15_000,
    )
    assert "Updated" in page.locator("#status").inner_text()


def test_a_csv_export_downloads(demo, visit):
    page = visit("manager").page
    page.get_by_role("link", name="Export").click()
    page.get_by_label("CSV").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    body = Path(download.value.path()).read_text(encoding="utf-8")

    assert body.splitlines()[0].startswith("id,")
    assert len(body.splitlines()) > 1


def test_a_manager_generates_and_opens_a_report(demo, visit):
    page = visit("manager").page
    page.get_by_role("link", name="Reports").click()
    page.locator("#id_report_type").select_option("daily_summary")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/reports/*/")

    assert page.locator("h1").count() == 1
    assert page.get_by_role("link", name="← All reports").count() == 1
    assert serious_violations(page) == []
    screenshot(page, "manager-report")


def _post(url, body, token=None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def test_the_metric_page_draws_forecast_bands_and_anomalies(long_demo, visit):
    page = visit("admin").page
    base = page.url.split("/dashboard/")[0]

    page.goto(f"{base}/dashboard/metrics/crm_sync_success/?days=42")
    page.wait_for_selector("#metric[data-loaded='true']", timeout=20_000)

    names = page.evaluate(
        "() => document.getElementById('series-chart').data.map(t => t.name)"
    )
    assert "Forecast, 80% band" in names and "Forecast, 95% band" in names
    # seed_demo's CRM sync outage (about 60% of attempts failing for a day).
    assert "Anomaly" in names
    assert page.get_by_role("heading", name="Sync by direction and provider").count()
    assert serious_violations(page) == []
    screenshot(page, "admin-metric-crm-sync")
