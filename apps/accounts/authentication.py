"""`Authorization: Token <key>` against hashed, expiring, revocable tokens."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from apps.accounts import tokens


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's token header, checked against `AccessToken` (only key hashes stored).

    Header parsing, the `Token` keyword and the 401 challenge come from DRF's
    class; an unknown, expired or revoked key, or an inactive user, answers 401.
    """

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = tokens.token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                "Token has been revoked.", code="token_revoked"
            )
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                "Token has expired.", code="token_expired"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        tokens.note_use(token)
        return token.user, token
