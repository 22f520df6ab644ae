"""The create_api_token command: a key on stdout, only its hash stored."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from apps.accounts.models import AccessToken
from apps.accounts.tests.factories import UserFactory
from apps.accounts.tokens import hash_key

pytestmark = pytest.mark.django_db


def test_prints_a_key_that_authenticates():
    UserFactory(username="admin")
    out = io.StringIO()
    call_command("create_api_token", "admin", "--name", "fuzz", stdout=out)

    key = out.getvalue().strip()
    token = AccessToken.objects.get()
    assert (token.name, token.key_hash) == ("fuzz", hash_key(key))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/auth/me/").json()["username"] == "admin"


def test_an_unknown_user_is_a_one_line_error():
    with pytest.raises(CommandError) as raised:
        call_command("create_api_token", "ghost")
    assert str(raised.value) == "no active user named 'ghost'"
