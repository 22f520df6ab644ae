"""A dependency's outage degrades, never loses: Redis or the database down."""

import pytest
from django.db import OperationalError
from django.test import override_settings
from rest_framework.test import APIClient

from apps.analytics.models import UserEngagementMetric
from apps.analytics.tests.cache.test_cache import UNREACHABLE_REDIS
from apps.analytics.tests.factories import PerformanceMetricFactory

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/v1/analytics/"


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@override_settings(CACHES=UNREACHABLE_REDIS)
def test_with_redis_down_tracking_and_export_still_work_and_store(org):
    member = as_user(org["member"])
    one = member.post(
        API + "track-engagement/",
        {"engagement_type": "login", "session_id": "s"},
        format="json",
    )
    batch = member.post(
        API + "track-engagement/",
        {"events": [{"engagement_type": "search", "session_id": "s"}] * 3},
        format="json",
    )
    assert (one.status_code, batch.status_code) == (201, 201)
    assert UserEngagementMetric.objects.filter(user=org["member"]).count() == 4

    PerformanceMetricFactory(user=org["member"])
    export = member.get(API + "export/", {"format": "csv"})
    assert export.status_code == 200
    assert len(b"".join(export.streaming_content).splitlines()) == 2
    assert member.get(API + "dashboard/").status_code == 200


def test_with_the_database_down_the_api_answers_503_with_retry_after(org, monkeypatch):
    from apps.accounts.scope import Scope

    def unavailable(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(Scope, "for_viewer", unavailable)
    response = as_user(org["manager"]).get(API + "metrics/performance/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"


def test_with_the_database_down_a_report_page_answers_503(org, client, monkeypatch):
    from apps.analytics.views import reports as views

    def unavailable(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "visible_reports", unavailable)
    client.force_login(org["member"])
    response = client.get(
        "/reports/00000000-0000-0000-0000-000000000000/", raise_request_exception=False
    )
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert b"database is unavailable" in response.content
