"""The audit trail: exports, report generation, denials, reads of others' data."""

import uuid

import pytest
from django.contrib.admin.sites import site
from django.db import OperationalError
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.analytics.tests.factories import PerformanceMetricFactory
from apps.core.models import AuditLog

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"


@pytest.fixture
def team():
    alpha = TeamFactory(name="Alpha")
    return (
        UserFactory(username="boss", role=Role.MANAGER, team=alpha),
        UserFactory(username="rep", team=alpha),
    )


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_reading_a_team_mates_rows_is_audited_with_their_id(team):
    boss, rep = team
    PerformanceMetricFactory(user=rep)
    client_for(boss).get(
        API + "metrics/performance/", {"metric_type": "debriefing_completion"}
    )
    entry = AuditLog.objects.get()
    assert (entry.user, entry.action, entry.status_code) == (boss, "read_other", 200)
    assert entry.object_ids == [str(rep.pk)]
    assert entry.parameters == {"metric_type": "debriefing_completion"}
    assert entry.path == API + "metrics/performance/"
    assert entry.ip_address == "127.0.0.1"


def test_a_polled_read_is_one_row_per_window_and_each_new_read_its_own(team):
    from django.core.cache import cache

    boss, rep = team
    PerformanceMetricFactory(user=rep)
    client = client_for(boss)
    for _ in range(3):  # a live page polling the same read
        client.get(API + "metrics/performance/", {"metric_type": "user_engagement"})
    client.get(API + "metrics/performance/", {"metric_type": "crm_sync_success"})
    assert sorted(
        AuditLog.objects.values_list("parameters__metric_type", flat=True)
    ) == ["crm_sync_success", "user_engagement"]
    cache.clear()  # the window is over
    client.get(API + "metrics/performance/", {"metric_type": "user_engagement"})
    assert AuditLog.objects.count() == 3


def test_a_read_is_still_recorded_when_the_cache_is_down(team, monkeypatch):
    from apps.core import audit

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(audit.cache, "get", unreachable)
    monkeypatch.setattr(audit.cache, "set", unreachable)
    boss, rep = team
    PerformanceMetricFactory(user=rep)
    for _ in range(2):
        response = client_for(boss).get(API + "metrics/performance/")
        assert response.status_code == 200
    assert AuditLog.objects.count() == 2


def test_reading_only_ones_own_rows_is_not_audited(team):
    _, rep = team
    PerformanceMetricFactory(user=rep)
    client_for(rep).get(API + "metrics/performance/")
    assert not AuditLog.objects.exists()


def test_denials_are_audited(team):
    _, rep = team
    client_for(rep).get(API + "metrics/system-health/")
    missing = uuid.uuid4()
    client_for(rep).get(API + f"reports/{missing}/")
    APIClient().get(API + "dashboard/")
    rows = list(AuditLog.objects.order_by("id").values_list("action", "status_code"))
    assert rows == [("denied", 403), ("denied", 404), ("denied", 401)]
    assert AuditLog.objects.filter(object_ids=[str(missing)]).exists()


def test_report_generation_is_audited(team):
    _, rep = team
    client_for(rep).post(
        API + "reports/generate/",
        {"report_type": "daily_summary", "date": "2026-11-10"},
        format="json",
    )
    entry = AuditLog.objects.get(action="generate_report")
    assert entry.parameters["report_type"] == "daily_summary"
    assert entry.status_code == 201


def test_the_audit_log_is_read_only_in_the_admin():
    admin = site._registry[AuditLog]
    request = type("Request", (), {"user": UserFactory(is_superuser=True)})()
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


def test_whose_data_was_read_comes_from_the_scope_not_the_response(team):
    admin = UserFactory(username="root", role=Role.ADMIN)
    # The dashboard answers with no per-user keys, yet it covers everyone's data.
    client_for(admin).get(API + "dashboard/")
    entry = AuditLog.objects.get()
    assert (entry.action, entry.object_ids) == ("read_other", ["*"])


def test_a_report_read_is_audited_with_the_users_it_covers(team):
    boss, rep = team
    made = client_for(rep).post(
        API + "reports/generate/",
        {"report_type": "daily_summary", "date": "2026-11-10"},
        format="json",
    )
    AuditLog.objects.all().delete()
    client_for(boss).get(API + f"reports/{made.json()['id']}/")
    client_for(rep).get(API + f"reports/{made.json()['id']}/")  # their own
    entry = AuditLog.objects.get()
    assert (entry.user, entry.object_ids) == (boss, [str(rep.pk)])


def test_a_nul_byte_in_a_parameter_is_logged_sanitised_not_skipped(team):
    boss, rep = team
    PerformanceMetricFactory(user=rep)
    response = client_for(boss).get(
        API + "export/", {"format": "csv", "dataset": "performance", "x": "a\x00b"}
    )
    assert response.status_code == 200
    entry = AuditLog.objects.get(action="export")
    assert entry.parameters["x"] == "a\ufffdb"


@pytest.fixture
def audit_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("the audit table is unavailable")

    monkeypatch.setattr(AuditLog.objects, "create", refuse)


def test_an_action_whose_audit_row_cannot_be_written_is_refused_with_503(
    team, audit_down
):
    boss, rep = team
    PerformanceMetricFactory(user=rep)
    export = client_for(boss).get(API + "export/", {"format": "csv"})
    read = client_for(boss).get(API + "metrics/performance/")
    for response in (export, read):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert response.json()["error"]["code"] == "audit_unavailable"
        assert str(rep.pk) not in response.content.decode()
    # A denial is still a denial, recorded or not.
    assert client_for(rep).get(API + "metrics/system-health/").status_code == 403
    # A read of one's own data is not an audited action.
    assert client_for(rep).get(API + "metrics/performance/").status_code == 200
