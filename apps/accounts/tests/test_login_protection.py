"""Password logins: throttled per username and per address, audited, fail open."""

import json
import logging
import time

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import AccessToken
from apps.accounts.tests.factories import UserFactory
from apps.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
RIGHT = "pass-for-tests"
# As apps/analytics/tests/cache/test_cache.py: nothing listens on port 1.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 10
    settings.LOGIN_FAILURES_PER_IP = 30
    settings.LOGIN_LOCKOUT_MINUTES = 15


@pytest.fixture
def rep():
    return UserFactory(username="rep")


def login(username, password, ip="10.0.0.1"):
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def fail(username, times, ip="10.0.0.1"):
    """Send wrong passwords; return the status codes answered."""
    return [login(username, "wrong", ip).status_code for _ in range(times)]


def assert_locked_out(response, retry_after=900):
    assert response.status_code == 429
    assert response["Retry-After"] == str(retry_after)
    assert response.json() == {
        "error": {
            "code": "throttled",
            "message": "Too many failed logins for this username or address. "
            f"Expected available in {retry_after} seconds.",
            "fields": {},
        }
    }


def test_the_11th_wrong_password_is_refused_with_429_and_so_is_the_right_one(rep):
    assert fail("rep", 10) == [400] * 10

    assert_locked_out(login("rep", "wrong"))
    assert_locked_out(login("rep", RIGHT))
    # Locked out by username: another address does not help.
    assert_locked_out(login("rep", RIGHT, ip="10.0.0.2"))
    assert not AccessToken.objects.exists()


def test_another_username_from_the_same_address_logs_in_until_the_ip_limit(rep):
    UserFactory(username="mate")
    assert fail("rep", 10) == [400] * 10
    assert login("mate", RIGHT).status_code == 200

    # 10 failures so far from this address; 19 more for other names stay under 30.
    assert [fail(f"guess{n}", 1)[0] for n in range(19)] == [400] * 19
    assert login("mate", RIGHT).status_code == 200
    assert fail("guess19", 1) == [400]  # the 30th failure from this address

    assert_locked_out(login("mate", RIGHT))
    assert login("mate", RIGHT, ip="10.0.0.2").status_code == 200


def test_a_success_resets_the_usernames_count(rep):
    assert fail("rep", 9) == [400] * 9
    assert login("rep", RIGHT).status_code == 200
    assert fail("rep", 9) == [400] * 9
    assert login("rep", RIGHT).status_code == 200


def test_the_lockout_ends_after_lockout_minutes(rep, monkeypatch):
    fail("rep", 10)
    assert_locked_out(login("rep", RIGHT))
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 600)
    assert_locked_out(login("rep", RIGHT), retry_after=300)

    monkeypatch.setattr(time, "time", lambda: now + 15 * 60 + 1)
    assert login("rep", RIGHT).status_code == 200


def test_logins_are_audited_without_the_password(rep):
    login("rep", "wrong-Secret-1", ip="203.0.113.7")
    login("rep", RIGHT, ip="203.0.113.7")

    failed = AuditLog.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (failed.user, failed.username, failed.status_code) == (None, "", 400)
    assert failed.parameters == {"username": "rep", "reason": "invalid_credentials"}
    assert (failed.method, failed.path, failed.ip_address) == (
        "POST",
        TOKEN,
        "203.0.113.7",
    )
    ok = AuditLog.objects.get(action=AuditAction.LOGIN)
    assert (ok.user, ok.username, ok.status_code, ok.ip_address) == (
        rep,
        "rep",
        200,
        "203.0.113.7",
    )
    rows = json.dumps(list(AuditLog.objects.values()), default=str)
    assert "wrong-Secret-1" not in rows and RIGHT not in rows


def test_locked_out_attempts_are_audited_as_failures(rep):
    fail("rep", 10)
    login("rep", RIGHT)
    locked = AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).first()
    assert (locked.status_code, locked.parameters) == (
        429,
        {"username": "rep", "reason": "locked_out"},
    )
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN).exists()


def test_logins_work_unthrottled_when_the_cache_is_unreachable(rep, settings, caplog):
    settings.CACHES = UNREACHABLE_REDIS
    with caplog.at_level(logging.WARNING, logger="apps.accounts.login"):
        assert fail("rep", 11) == [400] * 11
        assert login("rep", RIGHT).status_code == 200
    assert "Login throttling skipped: the cache is unavailable" in caplog.messages
    assert AuditLog.objects.filter(action=AuditAction.LOGIN).count() == 1


def test_a_login_that_cannot_be_audited_is_refused_with_503(rep, monkeypatch):
    from django.db import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("the audit table is unavailable")

    monkeypatch.setattr(AuditLog.objects, "create", refuse)
    response = login(rep.username, "pass-for-tests")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "token" not in response.json()
    assert not AccessToken.objects.exists()
