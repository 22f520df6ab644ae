"""Ids beyond what a database column holds, lists beyond reason: 400s, not 500s."""

import pytest
from rest_framework.test import APIClient

from apps.analytics.limits import MAX_ID
from apps.analytics.models import MetricType, Report

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"


def as_user(user):
    # A 500 must come back as a response to assert on, not as an exception.
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def error(response) -> dict:
    return response.json()["error"]


# --- Ids beyond what a database column holds ---------------------------------------


@pytest.mark.parametrize("path", ["metrics/performance/", "metrics/engagement/"])
@pytest.mark.parametrize("value", [str(MAX_ID + 1), "1.5"])
def test_a_user_filter_that_is_no_id_is_a_400(org, path, value):
    response = as_user(org["admin"]).get(API + path, {"user": value})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["user"]


@pytest.mark.parametrize(
    "changes",
    [{"user_ids": [MAX_ID + 1]}, {"user_id": MAX_ID + 1}],
)
def test_report_user_ids_beyond_any_id_are_a_400(org, changes):
    body = {
        "report_type": "custom",
        "start_date": "2026-11-01",
        "end_date": "2026-11-02",
        **changes,
    }
    response = as_user(org["admin"]).post(
        API + "reports/generate/", body, format="json"
    )
    assert response.status_code == 400
    assert list(error(response)["fields"]) == list(changes)


def test_a_metrics_list_longer_than_the_metric_types_is_refused(org):
    body = {
        "report_type": "custom",
        "start_date": "2026-11-01",
        "end_date": "2026-11-02",
        "metrics": MetricType.values * 1000,
    }
    response = as_user(org["admin"]).post(
        API + "reports/generate/", body, format="json"
    )
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["metrics"]
    assert not Report.objects.exists()
