"""Access control that cannot be forgotten: the base of every analytics API view.

The caller's `Scope` (apps.accounts.scope, where the Access rule of metrics.md is
written) is resolved once per request as `self.scope`. List views name a base
queryset and the field holding the owning user, and `get_queryset` narrows it by
that scope; every other view hands `self.scope` to the service it calls. Role-only
endpoints name the permission they need. The audit log reads whose data a call
served from `served_scope`, never from the response body.
"""

from functools import cached_property

from rest_framework import generics, permissions
from rest_framework.exceptions import NotFound

from apps.accounts.scope import Scope
from apps.core.audit import audit_unavailable, record, record_api_call
from apps.core.db_router import replica_reads
from apps.core.models import AuditAction


class HasScopePermission(permissions.BasePermission):
    """Allow only callers whose scope has the view's `required_permission`."""

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        required = getattr(view, "required_permission", None)
        return required is None or view.scope.allows(required)


def _reading_replica(chunks):
    with replica_reads():
        yield from chunks


class ScopedAPIView(generics.GenericAPIView):
    """The base of every analytics API view."""

    permission_classes = [permissions.IsAuthenticated, HasScopePermission]
    required_permission: str | None = None  # None: every authenticated user
    # The field naming the owning user of listed rows; None for rows that belong to
    # no user (the required permission alone guards them).
    scope_user_field: str | None = "user"
    # Whether rows with no user (organisation-wide figures) are listed for scopes
    # that include them.
    organisation_rows = False
    # Calls always audited (export, report generation), besides denials and reads
    # of another user's data, which every view audits.
    audit_action: str | None = None
    # Dashboards, lists and exports: their GETs read from the read replica when one
    # is configured (apps/core/db_router.py).
    reads_from_replica = False

    def dispatch(self, request, *args, **kwargs):
        if not (self.reads_from_replica and request.method in ("GET", "HEAD")):
            return super().dispatch(request, *args, **kwargs)
        with replica_reads():
            response = super().dispatch(request, *args, **kwargs)
        if getattr(response, "streaming", False):
            # A streamed export reads its rows while it is sent, after dispatch.
            response.streaming_content = _reading_replica(response.streaming_content)
        return response

    @cached_property
    def scope(self) -> Scope:
        """Return what the caller may see, resolved once per request."""
        return Scope.for_viewer(self.request.user)

    @property
    def served_scope(self) -> Scope | None:
        """Return whose data the answer holds (for the audit); None for none."""
        viewed = getattr(self, "viewed_scope", None)
        if viewed is not None:
            return viewed
        return self.scope if self.scope_user_field is not None else None

    def view_part(self, *, user_id=None, team_id=None) -> Scope:
        """Return the part of the caller's scope a request asks for (one user or
        team in it, or all of it), which the answer then serves and the audit reads.

        A user or team outside the scope answers 404, as one that does not exist
        would, and the attempt is audited as a denial.
        """
        try:
            self.viewed_scope = self.scope.viewing(user_id=user_id, team_id=team_id)
        except PermissionError:
            asked = user_id if user_id is not None else team_id
            record(self.request, AuditAction.DENIED, 404, [asked])
            raise NotFound("No such user or team.") from None
        return self.viewed_scope

    def get_base_queryset(self):
        """Return every row of the view's model (scoping comes after)."""
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return self.get_base_queryset().none()
        return self.scope_queryset(self.get_base_queryset())

    def scope_queryset(self, queryset):
        """Narrow rows to the caller's scope."""
        if self.scope_user_field is None:
            return queryset
        return self.scope.filter(
            queryset, self.scope_user_field, organisation_rows=self.organisation_rows
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if not record_api_call(self, request, response):
            # Nothing has been sent yet (a streamed export starts later): refuse.
            response = audit_unavailable()
        return response
