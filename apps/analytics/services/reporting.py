"""ReportingService: report rows through their lifecycle, built by type.

A report is created `pending`, turns `generating`, then `completed` with its
`report_data` or `failed` with the error recorded. Its `parameters` hold all a
builder needs, so a pending report can also be built later by a worker.
"""

import datetime as dt
import logging
import time

from django.conf import settings
from django.utils import dateparse, timezone

from apps.accounts.models import User
from apps.analytics.models import AggregationPeriod, Report, ReportStatus, ReportType
from apps.analytics.periods import (
    last_complete_period,
    local_midnight,
    period_containing,
)
from apps.analytics.reporting import custom, daily, monthly, user_activity, weekly
from apps.analytics.reporting.scope import ReportScope, scope_for, user_scope
from apps.analytics.services.analytics import as_instant

logger = logging.getLogger(__name__)

PERIOD_OF = {
    ReportType.DAILY_SUMMARY: AggregationPeriod.DAILY,
    ReportType.WEEKLY_PERFORMANCE: AggregationPeriod.WEEKLY,
    ReportType.MONTHLY_ANALYTICS: AggregationPeriod.MONTHLY,
}
USER_ACTIVITY_DAYS = 30
MAX_CUSTOM_DAYS = 366


def period_for(report_type: str, date=None):
    """Return the period containing `date`, or the latest complete one, of a type."""
    kind = PERIOD_OF[report_type]
    if date is None:
        return last_complete_period(kind)
    moment = as_instant(date, "date")
    if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
        moment += dt.timedelta(hours=12)  # any instant of that local day
    return period_containing(kind, moment)


def _scope_from(parameters: dict) -> ReportScope:
    scope = parameters["scope"]
    ids = scope["user_ids"]
    return ReportScope(
        scope["kind"], scope["label"], None if ids is None else tuple(ids)
    )


class ReportingService:
    """Generate the spec's reports; each method returns the Report row."""

    def generate_daily_summary_report(self, date=None, user=None, *, force=False):
        """The day containing `date` (default: yesterday) against the days before."""
        return self._periodic(ReportType.DAILY_SUMMARY, date, user, force)

    def generate_weekly_performance_report(self, date=None, user=None, *, force=False):
        """The ISO week containing `date` (default: last week), per user and team."""
        return self._periodic(ReportType.WEEKLY_PERFORMANCE, date, user, force)

    def generate_monthly_analytics_report(self, date=None, user=None, *, force=False):
        """The month containing `date` (default: last month), with daily trends."""
        return self._periodic(ReportType.MONTHLY_ANALYTICS, date, user, force)

    def generate_user_activity_report(
        self, user, start=None, end=None, *, requested_by=None, force=False
    ):
        """One user's activity over [start, end) (default: the last 30 whole days)."""
        end = (
            local_midnight(timezone.localdate())
            if end is None
            else as_instant(end, "end")
        )
        start = (
            end - dt.timedelta(days=USER_ACTIVITY_DAYS)
            if start is None
            else as_instant(start, "start")
        )
        if start >= end:
            raise ValueError("start must be before end")
        return self.create_and_build(
            ReportType.USER_ACTIVITY,
            start,
            end,
            user_scope(user),
            created_by=requested_by or user,
            subject_user=user,
            force=force,
        )

    def generate_custom_report(
        self,
        *,
        start,
        end,
        metrics=None,
        granularity=None,
        users=None,
        compare_previous=True,
        user=None,
        force=False,
    ):
        """Chosen metrics over [start, end) for some users (default: all visible)."""
        start, end = as_instant(start, "start"), as_instant(end, "end")
        if start >= end:
            raise ValueError("start must be before end")
        if end - start > dt.timedelta(days=MAX_CUSTOM_DAYS):
            raise ValueError(f"a custom report covers at most {MAX_CUSTOM_DAYS} days")
        scope = custom_scope(user, users)
        return self.create_and_build(
            ReportType.CUSTOM,
            start,
            end,
            scope,
            created_by=user,
            extra={
                "metrics": list(metrics) if metrics else None,
                "granularity": granularity,
                "compare_previous": bool(compare_previous),
            },
            force=force,
        )

    def _periodic(self, report_type, date, user, force):
        period = period_for(report_type, date)
        return self.create_and_build(
            report_type,
            period.start,
            period.end,
            scope_for(user),
            created_by=user,
            force=force,
        )

    def find_existing(self, report_type, start, end, scope: ReportScope):
        """Return the completed report of this type, period and scope, if any."""
        return (
            Report.objects.filter(
                report_type=report_type,
                period_start=start,
                period_end=end,
                status=ReportStatus.COMPLETED,
                parameters__scope_key=scope.key,
            )
            .order_by("-generated_at")
            .first()
        )

    def prepare(
        self,
        report_type,
        start,
        end,
        scope,
        *,
        created_by=None,
        subject_user=None,
        extra=None,
        force=False,
    ) -> Report:
        """Return the completed report for this type, period and scope, or a new
        pending one; `reused` on the result tells which."""
        if not force and (found := self.find_existing(report_type, start, end, scope)):
            found.reused = True
            return found
        report = self.create_pending(
            report_type, start, end, scope, created_by, subject_user, extra
        )
        report.reused = False
        return report

    def create_and_build(self, report_type, start, end, scope, **options) -> Report:
        """Reuse the completed report for the same type, period and scope, or build
        one now (see `prepare`)."""
        report = self.prepare(report_type, start, end, scope, **options)
        if not report.reused:
            self.build(report)
        return report

    def create_pending(
        self, report_type, start, end, scope, created_by, subject_user, extra
    ):
        """Store a pending report holding everything its builder needs."""
        return Report.objects.create(
            report_type=report_type,
            title=f"{ReportType(report_type).label} ({scope.label})",
            period_start=start,
            period_end=end,
            created_by=created_by,
            subject_user=subject_user,
            parameters={
                "scope": scope.as_dict(),
                "scope_key": scope.key,
                **(extra or {}),
            },
        )

    def build(self, report: Report) -> Report:
        """Build a pending report: generating, then completed or failed (recorded)."""
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.GENERATING)
        report.status = ReportStatus.GENERATING
        started = time.perf_counter()
        try:
            data = self._content(report)
        except Exception as exc:  # recorded on the report and logged, then returned
            logger.exception("Report %s (%s) failed", report.pk, report.report_type)
            report.status = ReportStatus.FAILED
            report.error = f"{type(exc).__name__}: {exc}"
            report.save(update_fields=["status", "error", "updated_at"])
            return report
        data["generation_seconds"] = round(time.perf_counter() - started, 3)
        report.report_data = data
        report.title = data["title"]
        report.status = ReportStatus.COMPLETED
        report.error = ""
        report.generated_at = timezone.now()
        report.save(
            update_fields=[
                "report_data",
                "title",
                "status",
                "error",
                "generated_at",
                "updated_at",
            ]
        )
        return report

    def _content(self, report: Report) -> dict:
        parameters = report.parameters
        scope = _scope_from(parameters)
        middle = report.period_start + (report.period_end - report.period_start) / 2
        if report.report_type == ReportType.DAILY_SUMMARY:
            return daily.build(middle, scope)
        if report.report_type == ReportType.WEEKLY_PERFORMANCE:
            return weekly.build(middle, scope)
        if report.report_type == ReportType.MONTHLY_ANALYTICS:
            return monthly.build(middle, scope)
        if report.report_type == ReportType.USER_ACTIVITY:
            return user_activity.build(
                report.subject_user, report.period_start, report.period_end
            )
        return custom.build(
            start=report.period_start,
            end=report.period_end,
            scope=scope,
            metrics=parameters.get("metrics"),
            granularity=parameters.get("granularity"),
            compare_previous=parameters.get("compare_previous", True),
        )


def custom_scope(requester, users=None) -> ReportScope:
    """Return the scope of chosen users, who must all be visible to the requester."""
    scope = scope_for(requester)
    if users is None:
        return scope
    ids = tuple(sorted({getattr(u, "pk", u) for u in users}))
    if scope.user_ids is not None and not set(ids) <= set(scope.user_ids):
        raise PermissionError("the report names users the requester may not see")
    return ReportScope("team" if len(ids) > 1 else "user", _label(ids), ids)


def _label(user_ids) -> str:
    names = list(
        User.objects.filter(pk__in=user_ids).values_list("username", flat=True)
    )
    shown = ", ".join(sorted(names)[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def parse_report_date(raw: str):
    """Parse YYYY-MM-DD or an ISO datetime; None when it is neither."""
    try:
        return dateparse.parse_date(raw) or dateparse.parse_datetime(raw)
    except ValueError:
        return None


class ReportGenerationFailed(RuntimeError):
    """A report could not be built; its row records why."""


def run_scheduled_report(report_type: str, recipients=None, *, now=None) -> dict:
    """Generate (or reuse) the latest complete period's report and deliver it once.

    What the beat schedule and `generate_reports --auto-schedule` run: safe to run
    again at any time, it never builds a completed report twice nor emails a
    recipient twice for the same report type and period.
    """

    # Imported here: delivery -> figures -> services would be a cycle at import time.
    from apps.analytics.reporting.delivery import deliver_report

    period = last_complete_period(PERIOD_OF[report_type], now)
    report = ReportingService().create_and_build(
        report_type, period.start, period.end, scope_for(None)
    )
    if report.status != ReportStatus.COMPLETED:
        raise ReportGenerationFailed(f"{report_type} {period.label}: {report.error}")
    if recipients is None:
        recipients = settings.ANALYTICS_REPORT_EMAILS
    delivery = deliver_report(report, recipients)
    return {
        "report_id": str(report.pk),
        "report_type": report_type,
        "period": period.label,
        "reused": report.reused,
        "sent": delivery.sent,
        "skipped": delivery.skipped,
        "failed": delivery.failed,
    }
