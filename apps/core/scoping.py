"""Access control that cannot be forgotten: every analytics view scopes its rows here.

A view names its base queryset (`get_base_queryset`) and the field holding the
owning user; `get_queryset` (do not override it) narrows that to what the caller
may see, as metrics.md's Access section says: admins everything, managers their
own and their team's rows plus organisation-wide ones (user NULL), members only
their own. A deliberate bypass must be spelled `dangerously_unscoped_queryset()`,
so that it stands out in review.
"""

from rest_framework import generics, permissions

from apps.accounts.models import Role, User
from apps.core.audit import record_api_call


class HasRole(permissions.BasePermission):
    """Allow only callers whose effective role is among the view's `allowed_roles`."""

    def has_permission(self, request, view):
        allowed = getattr(view, "allowed_roles", None)
        user = request.user
        if allowed is None or not user.is_authenticated:
            return user.is_authenticated
        return user.effective_role in allowed


def scope_to_viewer(queryset, viewer, user_field: str, *, organisation_rows: bool):
    """Narrow rows owned through `user_field` to those `viewer` may see."""
    role = viewer.effective_role
    if role == Role.ADMIN:
        return queryset
    visible = User.objects.visible_to(viewer).values("pk")
    rows = queryset.filter(**{f"{user_field}__in": visible})
    if organisation_rows and role == Role.MANAGER:
        rows = rows | queryset.filter(**{f"{user_field}__isnull": True})
    return rows


class ScopedAPIView(generics.GenericAPIView):
    """The base of every analytics API view."""

    permission_classes = [permissions.IsAuthenticated, HasRole]
    allowed_roles: tuple | None = None  # None: every authenticated user
    # The field naming the owning user; None for rows that belong to no user, which
    # `allowed_roles` alone then guards.
    scope_user_field: str | None = "user"
    # Whether rows with no user (organisation-wide figures) exist for managers.
    organisation_rows = False
    # Calls always audited (export, report generation), besides denials and reads
    # of another user's data, which every view audits.
    audit_action: str | None = None

    def get_base_queryset(self):
        """Return every row of the view's model (scoping comes after)."""
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return self.get_base_queryset().none()
        return self.scope_queryset(self.get_base_queryset())

    def scope_queryset(self, queryset):
        """Narrow rows to the caller's; override only for a model with its own rule."""
        if self.scope_user_field is None:
            return queryset
        return scope_to_viewer(
            queryset,
            self.request.user,
            self.scope_user_field,
            organisation_rows=self.organisation_rows,
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record_api_call(self, request, response)
        return response

    def dangerously_unscoped_queryset(self):
        """Return rows without access scoping: only for a reviewed, explicit need."""
        return self.get_base_queryset()
