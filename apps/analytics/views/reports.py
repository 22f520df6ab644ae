"""Report pages and downloads: HTML, JSON and CSV of one report the viewer may read,
the list of reports and the form that requests one."""

import functools
import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from apps.accounts.scope import Scope
from apps.analytics.models import Report, ReportStatus, ReportType
from apps.analytics.reporting import render_csv
from apps.analytics.reporting.access import visible_reports
from apps.analytics.reporting.render_html import report_context
from apps.analytics.services.report_requests import BadReportRequest
from apps.analytics.services.reporting import Dispatch, ReportingService
from apps.core import audit
from apps.core.models import AuditAction

REPORTS_PER_PAGE = 25


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


class GenerateForm(forms.Form):
    """A report request from the page; the service checks it against the scope."""

    report_type = forms.ChoiceField(choices=ReportType.choices)
    date = forms.DateField(required=False)
    start_date = forms.DateField(required=False)
    end_date = forms.DateField(required=False)
    user_id = forms.IntegerField(required=False, min_value=1)


def _generate(request, scope, form):
    """Request the report; return it, or None with the errors added to the form."""
    data = form.cleaned_data
    try:
        report = ReportingService().request_report(
            data["report_type"],
            scope=scope,
            date=data.get("date"),
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            subject=data.get("user_id"),
            dispatch=Dispatch.AUTO,
        )
    except BadReportRequest as error:
        for name, messages in error.fields.items():
            field = name if name in form.fields else None
            for message in messages if isinstance(messages, list) else [messages]:
                form.add_error(field, str(message))
        audit.record(request, AuditAction.GENERATE_REPORT, 400)
        return None
    audit.record(request, AuditAction.GENERATE_REPORT, 201, [report.pk])
    return report


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def report_list(request):
    """List the reports the viewer may read, filtered; request a new one."""
    scope = Scope.for_viewer(request.user)
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = _generate(request, scope, form)
        if report is not None:
            return redirect("analytics:report-detail", report_id=report.pk)
    reports = visible_reports(scope).order_by("-created_at")
    report_type = request.GET.get("report_type") or ""
    status = request.GET.get("status") or ""
    if report_type in ReportType.values:
        reports = reports.filter(report_type=report_type)
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "report_types": ReportType.choices,
        "statuses": ReportStatus.choices,
        "report_type": report_type,
        "status": status,
        "subjects": scope.users().order_by("username"),
    }
    return render(
        request,
        "analytics/web/reports.html",
        context,
        status=400 if form.errors else 200,
    )
