"""API tokens: issue one (its key shown once), find the token a key belongs to.

Only a SHA-256 of each key is stored. A key is 160 random bits, so an unsalted
fast hash is enough: nobody can guess a key from its hash, and the lookup stays
one indexed query.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import AccessToken, User

PREFIX_LENGTH = 8
# last_used_at is written at most this often per token: one UPDATE per request
# would make every API call a write.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    """Return the hex SHA-256 of a token key, as stored in `key_hash`."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(*, user: User, name: str = "") -> tuple[AccessToken, str]:
    """Create a token for the user; return it and its key (never stored)."""
    key = secrets.token_hex(20)
    now = timezone.now()
    token = AccessToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_key(key),
        prefix=key[:PREFIX_LENGTH],
        created_at=now,
        expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return token, key


def token_for_key(key: str) -> AccessToken | None:
    """Return the token a key belongs to (expired or revoked ones too), or None."""
    return (
        AccessToken.objects.select_related("user")
        .filter(key_hash=hash_key(key))
        .first()
    )


def note_use(token: AccessToken) -> None:
    """Record that the token was used, at most once per LAST_USED_PRECISION."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USED_PRECISION:
        return
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def revoke_token(token: AccessToken) -> bool:
    """Revoke one token; return whether it was still active."""
    revoked = AccessToken.objects.filter(pk=token.pk).revoke()
    token.refresh_from_db(fields=["revoked_at"])
    return revoked == 1


def revoke_user_tokens(user: User) -> int:
    """Revoke every active token of a user; return how many."""
    return AccessToken.objects.filter(user=user).revoke()
