"""ReportingService: the one entry point for requesting, building and sending reports.

The API view, `generate_reports` and the Celery tasks all call `request_report`
(then `deliver` to email one): it validates the request against the requester's
`Scope`, reuses a completed report of the same type, period and scope unless
forced, and builds the new one now or on a worker. A report is created `pending`,
turns `generating`, then `completed` with its `report_data` or `failed` with the
error recorded; its `parameters` hold all a builder needs.
"""

import datetime as dt
import hashlib
import json
import logging
import time

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.scope import Scope
from apps.analytics.models import Report, ReportStatus, ReportType
from apps.analytics.periods import last_complete_period, local_day, local_zone
from apps.analytics.reporting import custom, daily, monthly, user_activity, weekly
from apps.analytics.reporting.delivery import DeliverySummary, deliver_report
from apps.analytics.services.report_requests import (
    PERIOD_OF,
    last_day,
    resolve_request,
    scope_of,
)

logger = logging.getLogger(__name__)

# Built while the caller waits; the longer ones go to a worker when asked "auto".
INLINE_TYPES = (ReportType.DAILY_SUMMARY, ReportType.USER_ACTIVITY)
BUILD_TASK = "apps.analytics.tasks.build_report"


class Dispatch:
    """How `request_report` builds a new report."""

    INLINE = "inline"  # now, in this process
    QUEUE = "queue"  # on a worker, once the transaction commits
    AUTO = "auto"  # inline for INLINE_TYPES, queued for the rest


ACTIVE_STATUSES = [ReportStatus.PENDING, ReportStatus.GENERATING]
# Longer than any build may run (the tasks' hard time limit): past it, a report
# still pending or generating was abandoned.
ABANDONED_AFTER = dt.timedelta(minutes=30)


def request_key(report_type, start, end, scope: Scope, extra) -> str:
    """Identify a request: the same type, period, scope and options."""
    payload = json.dumps(
        [report_type, start.isoformat(), end.isoformat(), scope.key, extra or {}],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()


class ReportGenerationFailed(RuntimeError):
    """A report could not be built; its row records why."""


class ReportingService:
    """Generate the spec's reports; each method returns the Report row."""

    # -- the spec's methods: thin wrappers over request_report ----------------------

    def generate_daily_summary_report(self, date=None, user=None, *, force=False):
        """The day containing `date` (default: yesterday) against the days before."""
        return self.request_report(
            ReportType.DAILY_SUMMARY, scope=scope_of(user), date=date, force=force
        )

    def generate_weekly_performance_report(self, date=None, user=None, *, force=False):
        """The ISO week containing `date` (default: last week), per user and team."""
        return self.request_report(
            ReportType.WEEKLY_PERFORMANCE, scope=scope_of(user), date=date, force=force
        )

    def generate_monthly_analytics_report(self, date=None, user=None, *, force=False):
        """The month containing `date` (default: last month), with daily trends."""
        return self.request_report(
            ReportType.MONTHLY_ANALYTICS, scope=scope_of(user), date=date, force=force
        )

    def generate_user_activity_report(
        self, user, start=None, end=None, *, requested_by=None, force=False
    ):
        """One user's activity over the local days of [start, end) (default: the
        last 30 whole days)."""
        return self.request_report(
            ReportType.USER_ACTIVITY,
            scope=scope_of(requested_by),
            subject=user,
            start_date=None if start is None else local_day(start),
            end_date=None if end is None else last_day(end),
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
        """Chosen metrics over the local days of [start, end) for some users
        (default: all the requester may see)."""
        return self.request_report(
            ReportType.CUSTOM,
            scope=scope_of(user),
            start_date=local_day(start),
            end_date=last_day(end),
            users=users,
            metrics=metrics,
            granularity=granularity,
            compare_previous=compare_previous,
            force=force,
        )

    # -- the one entry point ------------------------------------------------------

    def request_report(
        self,
        report_type: str,
        *,
        scope: Scope,
        date=None,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        subject=None,
        users=None,
        metrics=None,
        granularity=None,
        compare_previous: bool = True,
        force: bool = False,
        dispatch: str = Dispatch.INLINE,
    ) -> Report:
        """Validate a report request for `scope`, then reuse or create and build it.

        `date` picks the period of daily, weekly and monthly reports (default: the
        latest complete one) and ends a user activity report's 30 days; user
        activity and custom reports take `start_date`..`end_date` (local days, both
        included). Bad input raises BadReportRequest or OutOfScope (InvalidInput,
        naming the field). The result's `reused` tells whether it existed already.
        """
        request = resolve_request(
            report_type,
            scope,
            date=date,
            start_date=start_date,
            end_date=end_date,
            subject=subject,
            users=users,
            metrics=metrics,
            granularity=granularity,
            compare_previous=compare_previous,
        )
        report = self.prepare(
            report_type,
            request.start,
            request.end,
            request.scope,
            created_by_id=scope.viewer_id,
            subject_user=request.subject,
            extra=request.extra,
            force=force,
        )
        if not report.reused:
            if dispatch == Dispatch.QUEUE or (
                dispatch == Dispatch.AUTO and report_type not in INLINE_TYPES
            ):
                self.queue(report)
            else:
                self.build(report)
        return report

    # -- reuse, creation and building ---------------------------------------------

    def find_existing(self, key: str) -> tuple[Report | None, Report | None]:
        """Return (the latest completed report, the one being built) of a request
        key, in one query."""
        completed = active = None
        for report in Report.objects.filter(
            request_key=key, status__in=[ReportStatus.COMPLETED, *ACTIVE_STATUSES]
        ).order_by("-created_at"):
            if report.status == ReportStatus.COMPLETED:
                completed = completed or report
            else:
                active = active or report
        return completed, active

    def prepare(
        self,
        report_type,
        start,
        end,
        scope: Scope,
        *,
        created_by_id=None,
        subject_user=None,
        extra=None,
        force=False,
    ) -> Report:
        """Return the report for this request: the completed one (unless `force`),
        the one being built (identical concurrent requests share it), or a new
        pending one; `reused` on the result tells whether it is new."""
        key = request_key(report_type, start, end, scope, extra)
        completed, active = self.find_existing(key)
        found = self._unless_abandoned(active) or (None if force else completed)
        if found is None:
            try:
                with transaction.atomic():
                    found = Report.objects.create(
                        report_type=report_type,
                        title=f"{ReportType(report_type).label} ({scope.label})",
                        period_start=start,
                        period_end=end,
                        created_by_id=created_by_id,
                        subject_user=subject_user,
                        request_key=key,
                        parameters={
                            "scope": scope.as_dict(),
                            "scope_key": scope.key,
                            **(extra or {}),
                        },
                    )
            except IntegrityError:  # an identical request created it just now
                found = self.find_existing(key)[1]
                if found is None:
                    raise
            else:
                found.reused = False
                return found
        found.reused = True
        return found

    def _unless_abandoned(self, report: Report | None) -> Report | None:
        """Return a report being built, or None (failing it) if it was abandoned."""
        if report is not None and report.updated_at < timezone.now() - ABANDONED_AFTER:
            # Its builder died (a killed web process; a worker would have retried).
            Report.objects.filter(pk=report.pk, status__in=ACTIVE_STATUSES).update(
                status=ReportStatus.FAILED,
                error="Abandoned: its build did not finish; requested again.",
            )
            return None
        return report

    def queue(self, report: Report) -> None:
        """Build a pending report on a worker once the current transaction commits."""
        # Sent by name: a service never imports the edges (tasks) that call it.
        task = current_app.signature(BUILD_TASK, args=(str(report.pk),))
        transaction.on_commit(task.delay)

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

    def deliver(self, report: Report, recipients, *, resend=False) -> DeliverySummary:
        """Email a completed report, once per recipient unless `resend`."""
        return deliver_report(report, recipients, resend=resend)

    def _content(self, report: Report) -> dict:
        parameters = report.parameters
        scope = Scope.from_dict(parameters["scope"])
        middle = report.period_start + (report.period_end - report.period_start) / 2
        if report.report_type == ReportType.DAILY_SUMMARY:
            return daily.build(middle, scope)
        if report.report_type == ReportType.WEEKLY_PERFORMANCE:
            return weekly.build(middle, scope)
        if report.report_type == ReportType.MONTHLY_ANALYTICS:
            return monthly.build(middle, scope)
        if report.report_type == ReportType.USER_ACTIVITY:
            return user_activity.build(
                report.subject_user, report.period_start, report.period_end, scope
            )
        return custom.build(
            start=report.period_start,
            end=report.period_end,
            scope=scope,
            metrics=parameters.get("metrics"),
            granularity=parameters.get("granularity"),
            compare_previous=parameters.get("compare_previous", True),
        )


def run_scheduled_report(report_type: str, recipients=None, *, now=None) -> dict:
    """Generate (or reuse) the latest complete period's report and deliver it once.

    What the beat schedule and `generate_reports --auto-schedule` run: safe to run
    again at any time, it never builds a completed report twice nor emails a
    recipient the same report twice.
    """
    period = last_complete_period(PERIOD_OF[report_type], now)
    service = ReportingService()
    report = service.request_report(
        report_type,
        scope=Scope.system(),
        date=timezone.localtime(period.start, local_zone()).date(),
    )
    if report.status != ReportStatus.COMPLETED:
        raise ReportGenerationFailed(f"{report_type} {period.label}: {report.error}")
    if recipients is None:
        recipients = settings.ANALYTICS_REPORT_EMAILS
    delivery = service.deliver(report, recipients)
    return {
        "report_id": str(report.pk),
        "report_type": report_type,
        "period": period.label,
        "reused": report.reused,
        "sent": delivery.sent,
        "skipped": delivery.skipped,
        "failed": delivery.failed,
    }
