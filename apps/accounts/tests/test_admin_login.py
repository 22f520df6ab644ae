"""The admin's login form shares the API's failure counters and audit."""

import pytest
from django.test import Client

from apps.accounts.tests.factories import UserFactory
from apps.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
LOCKED = "Too many failed logins for this username or address."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 10
    settings.LOGIN_FAILURES_PER_IP = 30
    settings.LOGIN_LOCKOUT_MINUTES = 15


def admin_login(client, password):
    return client.post(ADMIN_LOGIN, {"username": "boss", "password": password})


def test_the_admin_login_locks_out_after_10_failures_even_the_right_password():
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(10):
        response = admin_login(client, "wrong")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()

    response = admin_login(client, "pass-for-tests")

    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "Try again in 15 minute(s)." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_failures_lock_the_api_too():
    UserFactory(username="boss", is_staff=True)
    client = Client()
    for _ in range(10):
        admin_login(client, "wrong")
    response = client.post(
        "/api/v1/auth/token/", {"username": "boss", "password": "pass-for-tests"}
    )
    assert response.status_code == 429


def test_an_admin_login_is_audited_and_logs_in():
    boss = UserFactory(username="boss", is_staff=True)
    client = Client()

    response = admin_login(client, "pass-for-tests")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(boss.pk)
    row = AuditLog.objects.get(action=AuditAction.LOGIN)
    assert (row.user, row.path, row.status_code) == (boss, ADMIN_LOGIN, 200)
