"""Authentication edges: obtain a token, revoke it, and say who the caller is."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import HashedTokenAuthentication
from apps.accounts.login import log_in
from apps.accounts.serializers import (
    MeSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from apps.accounts.tokens import issue_token, revoke_token
from apps.core.audit import audit_unavailable, record
from apps.core.models import AuditAction


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token (its key shown once)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(
                description="Too many failed logins for this username or address; "
                "`Retry-After` says when to try again."
            ),
            503: OpenApiResponse(
                description="The login cannot be recorded in the audit log right "
                "now; `Retry-After` says when to try again."
            ),
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = log_in(
            request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if result.retry_after is not None:
            raise exceptions.Throttled(
                wait=result.retry_after,
                detail="Too many failed logins for this username or address.",
            )
        if result.unaudited:
            return audit_unavailable()
        if result.user is None:
            raise exceptions.ValidationError(
                {"password": ["Unable to log in with the username and password given."]}
            )
        token, key = issue_token(user=result.user)
        return Response({"token": key, "expires_at": token.expires_at})


class RevokeTokenView(APIView):
    """Revoke the token this call is authenticated with."""

    # Only a token can be revoked: a session caller has none to name.
    authentication_classes = [HashedTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        revoke_token(request.auth)
        record(
            request,
            AuditAction.TOKEN_REVOKED,
            status.HTTP_204_NO_CONTENT,
            object_ids=[request.auth.pk],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Return the caller's id, username, role and team."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)
