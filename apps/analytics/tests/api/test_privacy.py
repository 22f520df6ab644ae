"""Admins' personal-data endpoints: a user's archive and their erasure."""

import json

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.tests.factories import TeamFactory, UserFactory
from apps.analytics.services.privacy import pseudonym
from apps.analytics.tests.factories import UserEngagementMetricFactory
from apps.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db
API = "/api/v1/analytics/"


@pytest.fixture
def org():
    alpha = TeamFactory(name="Alpha")
    return {
        "root": UserFactory(username="root", role=Role.ADMIN),
        "boss": UserFactory(username="boss", role=Role.MANAGER, team=alpha),
        "jane": UserFactory(
            username="jane.doe",
            first_name="Jane",
            last_name="Doe",
            email="jane.doe@example.com",
            team=alpha,
        ),
    }


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


# -- the archive and the erasure --------------------------------------------------


def test_an_admin_downloads_a_users_archive_as_an_attachment(org):
    jane = org["jane"]
    event = UserEngagementMetricFactory(user=jane, session_id="s1")

    response = client(org["root"]).get(API + f"privacy/users/{jane.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="user-{jane.pk}-personal-data.json"'
    )
    archive = json.loads(streamed(response))
    assert archive["profile"]["username"] == "jane.doe"
    assert [e["id"] for e in archive["engagement_events"]] == [event.pk]


def test_the_archive_download_is_audited_once(org):
    root, jane = org["root"], org["jane"]
    path = API + f"privacy/users/{jane.pk}/export/"
    streamed(client(root).get(path))
    entry = AuditLog.objects.get()
    assert (entry.user, entry.action, entry.object_ids) == (
        root,
        AuditAction.PRIVACY_EXPORT,
        [str(jane.pk)],
    )
    assert (entry.method, entry.path, entry.ip_address) == ("GET", path, "127.0.0.1")


def test_an_admin_erases_a_user_and_gets_the_summary(org):
    root, jane = org["root"], org["jane"]
    UserEngagementMetricFactory(user=jane, metadata={"email": "jane.doe@example.com"})

    response = client(root).post(API + f"privacy/users/{jane.pk}/erase/")

    assert response.status_code == 200
    assert response.json() == {
        "user_id": jane.pk,
        "pseudonym": pseudonym(jane.pk),
        "changed": {
            "engagement_events": 1,
            "data_quality": 0,
            "reports": 0,
            "report_deliveries": 0,
            "tokens": 0,
            "sessions": 0,
            "user": 1,
        },
    }
    jane.refresh_from_db()
    assert (jane.username, jane.is_active) == (pseudonym(jane.pk), False)
    entry = AuditLog.objects.get()
    assert (entry.user, entry.action, entry.object_ids, entry.method) == (
        root,
        AuditAction.PRIVACY_ERASE,
        [str(jane.pk)],
        "POST",
    )


def test_an_admin_cannot_erase_their_own_account(org):
    root = org["root"]
    response = client(root).post(API + f"privacy/users/{root.pk}/erase/")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["id"]
    root.refresh_from_db()
    assert root.is_active


@pytest.mark.parametrize("raw", ["999999", "abc", "1.5", "99999999999999999999", "-1"])
@pytest.mark.parametrize("action", ["export", "erase"])
def test_an_unknown_user_answers_404_in_the_error_shape(org, raw, action):
    api = client(org["root"])
    path = API + f"privacy/users/{raw}/{action}/"
    response = api.get(path) if action == "export" else api.post(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("viewer", ["boss", "jane"])
def test_managers_and_members_are_refused_even_about_themselves(org, viewer):
    user = org[viewer]
    api = client(user)
    assert api.get(API + f"privacy/users/{user.pk}/export/").status_code == 403
    assert api.post(API + f"privacy/users/{user.pk}/erase/").status_code == 403
    user.refresh_from_db()
    assert user.is_active
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert actions == {AuditAction.DENIED}


@pytest.mark.parametrize("action", ["export", "erase"])
def test_options_describes_the_endpoints_without_touching_anyone(org, action):
    jane = org["jane"]
    response = client(org["root"]).options(API + f"privacy/users/{jane.pk}/{action}/")
    assert response.status_code == 200  # was a 500 for erase (the fuzzer found it)
    assert response.json()["name"] in ("Personal Data Export", "Personal Data Erase")
    jane.refresh_from_db()
    assert jane.is_active
    assert not AuditLog.objects.exists()


def test_anonymous_callers_are_refused(org):
    jane = org["jane"]
    assert APIClient().get(API + f"privacy/users/{jane.pk}/export/").status_code == 401
