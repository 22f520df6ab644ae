"""Report pages and downloads: HTML, JSON and CSV of one report the viewer may read."""

import functools
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.accounts.scope import Scope
from apps.analytics.models import Report, ReportStatus
from apps.analytics.reporting import render_csv
from apps.analytics.reporting.access import visible_reports
from apps.analytics.reporting.render_html import report_context
from apps.core import audit
from apps.core.models import AuditAction


class AuditUnavailable(Exception):
    """The view of a report could not be recorded: it is not served."""


def visible_report(request, report_id) -> Report:
    """Return the report if the viewer may read it, the view recorded in the audit
    log; 404 alike when absent or not another's to read."""
    scope = Scope.for_viewer(request.user)
    report = visible_reports(scope).filter(pk=report_id).first()
    # Someone else's report answers exactly as a missing one: its existence is data.
    if report is None:
        audit.record(request, AuditAction.DENIED, 404, [report_id])
        raise Http404("No such report.")
    covered = report.parameters.get("scope", {}).get("user_ids")
    if not audit.record(
        request,
        AuditAction.VIEW_REPORT,
        200,
        [report.pk],
        {"scope_key": report.parameters.get("scope_key"), "user_ids": covered},
    ):
        raise AuditUnavailable
    return report


def refuse_unaudited(view):
    """Answer 503 when the view of a report could not be recorded."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AuditUnavailable:
            response = HttpResponse(
                "This report cannot be shown right now: its view could not be "
                "recorded in the audit log. Try again shortly.\n",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(audit.RETRY_AFTER_SECONDS)
            return response

    return wrapper


def _not_ready(report) -> HttpResponse:
    """Answer 409: a download of a report with no data yet (or a failed one)."""
    return HttpResponse(
        f"This report is {report.get_status_display().lower()}; "
        "only completed reports can be downloaded.\n",
        status=409,
        content_type="text/plain; charset=utf-8",
    )


def _attachment(response, report, extension) -> HttpResponse:
    """Mark a response as a download named after the report."""
    filename = render_csv.report_filename(report, extension)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@login_required
@refuse_unaudited
def report_detail(request, report_id):
    """Render the report as a page."""
    report = visible_report(request, report_id)
    return render(request, "analytics/report_detail.html", report_context(report))


@require_safe
@login_required
@refuse_unaudited
def report_json(request, report_id):
    """Download the report's data as JSON."""
    report = visible_report(request, report_id)
    if report.status != ReportStatus.COMPLETED:
        return _not_ready(report)
    body = json.dumps(report.report_data, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    return _attachment(response, report, "json")


@require_safe
@login_required
@refuse_unaudited
def report_csv(request, report_id):
    """Download the report's tables as CSV."""
    report = visible_report(request, report_id)
    if report.status != ReportStatus.COMPLETED:
        return _not_ready(report)
    response = HttpResponse(
        render_csv.report_csv(report.report_data),
        content_type=render_csv.CSV_CONTENT_TYPE,
    )
    return _attachment(response, report, "csv")
