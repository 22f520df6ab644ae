"""New passwords go through Django's four validators, at least 12 characters."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


def test_a_long_uncommon_password_passes():
    assert codes("plum-Kettle-orbit-42") == set()


def test_eleven_characters_are_too_short():
    assert codes("plum-Kettl4") == {"password_too_short"}


def test_common_numeric_and_user_like_passwords_are_refused():
    assert codes("demo") == {"password_too_short", "password_too_common"}
    assert codes("394857261039") == {"password_entirely_numeric"}
    user = UserFactory(username="margaret.hamilton")
    assert codes("margaret.hamilton", user) == {"password_too_similar"}
