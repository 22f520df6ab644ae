"""Who may read a report (metrics.md, Access): never another user's data."""

from django.db.models import Q

from apps.accounts.models import Role, User
from apps.analytics.models import Report, ReportType

# Report types that list users one by one when they cover the whole organisation;
# managers may see organisation figures, but not other teams' members.
PER_USER_REPORT_TYPES = (ReportType.WEEKLY_PERFORMANCE,)


def visible_reports(viewer, queryset=None):
    """Return the reports `viewer` may read.

    Admins read everything; anyone reads their own reports, reports about users
    they may see, and reports those users requested about themselves or their team;
    managers also read organisation-wide reports that do not list users.
    """
    queryset = Report.objects.all() if queryset is None else queryset
    if not getattr(viewer, "is_authenticated", False):
        return queryset.none()
    role = viewer.effective_role
    if role == Role.ADMIN:
        return queryset
    visible = User.objects.visible_to(viewer).values("pk")
    organisation = Q(parameters__scope_key="organisation")
    # Positive tests only: a negated JSON key lookup would drop rows lacking the key.
    about_people = Q(parameters__scope_key__startswith="user:") | Q(
        parameters__scope_key__startswith="team:"
    )
    allowed = (
        Q(created_by=viewer)
        | Q(subject_user__in=visible)
        | (Q(created_by__in=visible) & about_people)
    )
    if role == Role.MANAGER:
        allowed |= organisation & ~Q(report_type__in=PER_USER_REPORT_TYPES)
    return queryset.filter(allowed)


def can_view_report(viewer, report) -> bool:
    """Tell whether `viewer` may read `report`."""
    return visible_reports(viewer).filter(pk=report.pk).exists()
