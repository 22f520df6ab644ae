"""Who may read a report (metrics.md, Access): never another user's data."""

from apps.accounts.models import Role, User


def can_view_report(viewer, report) -> bool:
    """Tell whether `viewer` may read `report`.

    Admins read everything; anyone reads their own reports; otherwise the report's
    data must lie within what the viewer may see: organisation-wide figures for
    managers (unless the report lists other teams' users one by one), a team's or
    a user's data for whoever may see all of those users.
    """
    if not getattr(viewer, "is_authenticated", False):
        return False
    role = viewer.effective_role
    if role == Role.ADMIN or report.created_by_id == viewer.pk:
        return True
    scope = (
        (report.report_data or {}).get("scope") or report.parameters.get("scope") or {}
    )
    user_ids = scope.get("user_ids")
    if report.subject_user_id is not None:
        user_ids = [report.subject_user_id]
    if user_ids is None:
        per_user = (report.report_data or {}).get("per_user_data", False)
        return role == Role.MANAGER and not per_user
    visible = set(
        User.objects.visible_to(viewer)
        .filter(pk__in=user_ids)
        .values_list("pk", flat=True)
    )
    return visible == set(user_ids)
