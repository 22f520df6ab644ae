"""Anonymised exports: pseudonymous user ids by setting, or by an admin's request."""

import csv
import io
import json

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.analytics.services.privacy import pseudonym
from apps.analytics.tests.factories import (
    PerformanceMetricFactory,
    SystemHealthMetricFactory,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"


@pytest.fixture
def org():
    alpha = TeamFactory(name="Alpha")
    return {
        "root": UserFactory(username="root", role=Role.ADMIN),
        "boss": UserFactory(username="boss", role=Role.MANAGER, team=alpha),
        "jane": UserFactory(username="jane.doe", team=alpha),
    }


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def rows(org):
    return {
        "jane": PerformanceMetricFactory(user=org["jane"], value=0.25),
        "organisation": PerformanceMetricFactory(
            user=None, value=0.5, metric_type="crm_sync_success"
        ),
    }


def exported_user_ids(user, **params) -> list:
    response = client(user).get(API + "export/", {"format": "json", **params})
    assert response.status_code == 200, response.content
    return [row["user_id"] for row in json.loads(streamed(response))]


def test_exports_keep_ids_by_default(org, rows):
    assert exported_user_ids(org["root"]) == [org["jane"].pk, None]


@pytest.mark.parametrize("viewer", ["root", "boss", "jane"])
def test_the_setting_anonymises_every_export_for_everyone(org, rows, settings, viewer):
    settings.ANALYTICS_ANONYMIZE_EXPORTS = True
    expected = [pseudonym(org["jane"].pk)]
    if viewer != "jane":
        expected.append(None)  # organisation rows: NULL stays NULL
    assert exported_user_ids(org[viewer]) == expected


def test_the_setting_anonymises_csv_too(org, rows, settings):
    settings.ANALYTICS_ANONYMIZE_EXPORTS = True
    response = client(org["root"]).get(API + "export/", {"format": "csv"})
    exported = list(csv.DictReader(io.StringIO(streamed(response))))
    assert [row["user_id"] for row in exported] == [pseudonym(org["jane"].pk), ""]


def test_the_setting_cannot_be_turned_off_per_request(org, rows, settings):
    settings.ANALYTICS_ANONYMIZE_EXPORTS = True
    ids = exported_user_ids(org["root"], anonymize="false")
    assert ids == [pseudonym(org["jane"].pk), None]


def test_an_admin_asks_for_an_anonymised_export(org, rows):
    root = org["root"]
    assert exported_user_ids(root, anonymize="true") == [
        pseudonym(org["jane"].pk),
        None,
    ]
    assert exported_user_ids(root, anonymize="false") == [org["jane"].pk, None]
    events = exported_user_ids(root, anonymize="1", dataset="engagement")
    assert events == []


def test_datasets_without_users_are_unchanged_when_anonymised(org):
    reading = SystemHealthMetricFactory()
    response = client(org["root"]).get(
        API + "export/",
        {"format": "json", "dataset": "system_health", "anonymize": "true"},
    )
    assert [row["id"] for row in json.loads(streamed(response))] == [reading.pk]


@pytest.mark.parametrize("viewer", ["boss", "jane"])
@pytest.mark.parametrize("value", ["true", "false"])
def test_only_admins_choose_anonymize(org, rows, settings, viewer, value):
    response = client(org[viewer]).get(API + "export/", {"anonymize": value})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["anonymize"]


def test_a_bad_anonymize_value_is_refused(org, rows):
    response = client(org["root"]).get(API + "export/", {"anonymize": "maybe"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "anonymize": ["Choose true or false."]
    }
