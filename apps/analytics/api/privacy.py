"""Personal data of any user, for admins: their archive (GDPR access) and their
erasure. Each call is audited by the service, in the same step as the work."""

import re

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.scope import Permission
from apps.analytics.api.schema import ERRORS, NOT_FOUND
from apps.analytics.export_formats import JSON_CONTENT_TYPE, in_chunks
from apps.analytics.services.privacy import (
    ERASURE_TABLES,
    ErasureRefused,
    Origin,
    erase_user,
    stream_user_data,
)
from apps.core.scoping import ScopedAPIView

# Ids a database key can hold: anything else names no user (404, not a 500).
USER_ID = re.compile(r"[0-9]{1,18}")
USER_ID_PARAMETER = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The user's id."
)

ErasureChangesSerializer = type(
    "ErasureChangesSerializer",
    (serializers.Serializer,),
    {name: serializers.IntegerField() for name in ERASURE_TABLES},
)


class ErasureSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    pseudonym = serializers.CharField()
    changed = ErasureChangesSerializer()


class PersonalDataView(ScopedAPIView):
    """The base of both: admins only, about the user the path names."""

    required_permission = Permission.PERSONAL_DATA
    # No rows listed through the scope; the service writes the audit row itself.
    scope_user_field = None
    renderer_classes = [JSONRenderer]

    def get_base_queryset(self):
        return User.objects.all()

    def subject(self) -> User:
        raw = self.kwargs["id"]
        user = (
            User.objects.filter(pk=int(raw)).first() if USER_ID.fullmatch(raw) else None
        )
        if user is None:
            raise NotFound("No such user.")
        return user

    def origin(self) -> Origin:
        request = self.request
        return Origin(
            request.method, request.path, request.META.get("REMOTE_ADDR") or None
        )


class PersonalDataExportView(PersonalDataView):
    """Download everything stored about a user as one JSON archive."""

    @extend_schema(
        parameters=[USER_ID_PARAMETER],
        responses={
            (200, JSON_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "The archive: `schema_version`, `generated_at`, `profile`, "
                    "`engagement_events`, `performance_metrics`, `data_quality`, "
                    "`reports` (about or requested by the user), "
                    "`report_deliveries` (to their email), `audit_by_user`, "
                    "`audit_about_user` and `source_data` (row counts)."
                ),
            ),
            **ERRORS,
            **NOT_FOUND,
        },
        description=(
            "Everything stored about one user (GDPR access), as an attachment, "
            "streamed. Admins only; audited as `privacy_export`."
        ),
    )
    def get(self, request, **kwargs):
        user = self.subject()
        pieces = stream_user_data(user, actor=request.user, origin=self.origin())
        response = StreamingHttpResponse(
            in_chunks(pieces), content_type=JSON_CONTENT_TYPE
        )
        filename = f"user-{user.pk}-personal-data.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class PersonalDataEraseView(PersonalDataView):
    """Erase a user: their names replaced by their pseudonym, their access ended."""

    # What OPTIONS describes for POST (DRF asks every POST view for one).
    serializer_class = ErasureSerializer

    @extend_schema(
        parameters=[USER_ID_PARAMETER],
        request=None,
        responses={
            200: OpenApiResponse(
                ErasureSerializer,
                description="Rows changed per table (all 0 when already erased).",
            ),
            **ERRORS,
            **NOT_FOUND,
        },
        description=(
            "Erase a user (GDPR erasure): their account keeps its id and figures "
            "but is renamed to its pseudonym and disabled; their names, email and "
            "personal metadata leave engagement rows, reports and the delivery "
            "ledger; their tokens and sessions end. Idempotent. Admins only, not on "
            "their own account (400); audited as `privacy_erase`."
        ),
    )
    def post(self, request, **kwargs):
        user = self.subject()
        try:
            summary = erase_user(user, actor=request.user, origin=self.origin())
        except ErasureRefused as exc:
            raise ValidationError({"id": [str(exc)]}) from None
        return Response(summary)
