"""API tokens: stored hashed, expiring, revocable, revoked by a password change."""

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import AccessToken
from apps.accounts.tests.factories import UserFactory
from apps.accounts.tokens import issue_token
from apps.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"
REVOKE = "/api/v1/auth/token/revoke/"


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_refused(response, code: str, message: str):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "error": {"code": code, "message": message, "fields": {}}
    }


def test_the_stored_row_holds_the_keys_hash_not_the_key():
    user = UserFactory(username="rep")
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "rep", "password": "pass-for-tests"}
    )
    key = response.json()["token"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_accesstoken")
        (row,) = cursor.fetchall()
    assert not [value for value in row if key in str(value)]
    token = AccessToken.objects.get()
    assert token.user == user
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    assert len(key) == 40


def test_an_expired_token_answers_401():
    token, key = issue_token(user=UserFactory())
    AccessToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert_refused(client_with(key).get(ME), "token_expired", "Token has expired.")


def test_a_revoked_token_answers_401():
    token, key = issue_token(user=UserFactory())
    AccessToken.objects.filter(pk=token.pk).revoke()
    assert_refused(client_with(key).get(ME), "token_revoked", "Token has been revoked.")


def test_an_unknown_key_answers_401():
    issue_token(user=UserFactory())
    assert_refused(
        client_with("0" * 40).get(ME), "authentication_failed", "Invalid token."
    )


def test_an_inactive_users_token_answers_401():
    user = UserFactory()
    _, key = issue_token(user=user)
    user.is_active = False
    user.save()
    assert_refused(
        client_with(key).get(ME), "authentication_failed", "User inactive or deleted."
    )


def test_revoke_ends_the_calling_token_only_and_is_audited():
    user = UserFactory(username="rep")
    used, key = issue_token(user=user)
    _, other_key = issue_token(user=user)

    response = client_with(key).post(REVOKE)

    assert response.status_code == 204
    used.refresh_from_db()
    assert used.revoked_at is not None
    assert client_with(key).get(ME).status_code == 401
    assert client_with(other_key).get(ME).status_code == 200
    audit = AuditLog.objects.get(action=AuditAction.TOKEN_REVOKED)
    assert (audit.user, audit.object_ids, audit.status_code) == (
        user,
        [str(used.pk)],
        204,
    )


def test_revoke_needs_a_token_a_session_has_none():
    client = APIClient()
    client.force_login(UserFactory())
    assert client.post(REVOKE).status_code == 401


def test_a_password_change_revokes_every_token_of_the_user():
    user, bystander = UserFactory(), UserFactory()
    tokens = [issue_token(user=user)[0], issue_token(user=user)[0]]
    kept, kept_key = issue_token(user=bystander)

    user.set_password("a-new-and-long-password")
    user.save()

    for token in tokens:
        token.refresh_from_db()
        assert token.revoked_at is not None
    kept.refresh_from_db()
    assert kept.revoked_at is None
    assert client_with(kept_key).get(ME).status_code == 200


def test_a_password_assigned_as_a_hash_revokes_the_tokens_too():
    user = UserFactory()
    token, _ = issue_token(user=user)
    user.password = make_password("another-long-password")
    user.save()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_saves_that_keep_the_password_keep_the_tokens(settings):
    user = UserFactory(username="rep")
    token, key = issue_token(user=user)

    user.first_name = "Renamed"
    user.save()
    # A login re-hashes the same password when the preferred hasher changed.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    old_hash = user.password
    assert user.check_password("pass-for-tests")
    user.refresh_from_db()

    assert user.password.startswith("scrypt$") and user.password != old_hash
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client_with(key).get(ME).status_code == 200


def test_last_used_is_written_at_most_once_a_minute():
    token, key = issue_token(user=UserFactory())
    client = client_with(key)

    client.get(ME)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(ME)
    token.refresh_from_db()
    assert token.last_used_at == first

    AccessToken.objects.filter(pk=token.pk).update(
        last_used_at=first - dt.timedelta(seconds=61)
    )
    client.get(ME)
    token.refresh_from_db()
    assert token.last_used_at > first
