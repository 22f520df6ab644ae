"""Which reports a scope may read: the Scope's rule, with the report types that
list every user one by one (managers may see organisation figures, not other
teams' members)."""

from apps.analytics.models import Report, ReportType

PER_USER_REPORT_TYPES = (ReportType.WEEKLY_PERFORMANCE,)


def visible_reports(scope, queryset=None):
    """Return the reports `scope` may read."""
    queryset = Report.objects.all() if queryset is None else queryset
    return scope.filter_reports(queryset, per_user_types=PER_USER_REPORT_TYPES)
