"""Reports: list and read the caller's reports, and request new ones."""

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from apps.accounts.models import User
from apps.analytics.api.schema import ERRORS, NOT_FOUND
from apps.analytics.api.serializers import (
    GenerateReportSerializer,
    ReportDetailSerializer,
    ReportSerializer,
)
from apps.analytics.models import Report, ReportType
from apps.analytics.periods import local_midnight
from apps.analytics.reporting.access import visible_reports
from apps.analytics.reporting.scope import scope_for, user_scope
from apps.analytics.services.reporting import (
    MAX_CUSTOM_DAYS,
    ReportingService,
    custom_scope,
    period_for,
)
from apps.core.models import AuditAction
from apps.core.pagination import StandardPagination
from apps.core.scoping import ScopedAPIView

# Built while the caller waits (201); the longer ones are queued (202).
INLINE_TYPES = (ReportType.DAILY_SUMMARY, ReportType.USER_ACTIVITY)


class ReportScopedView(ScopedAPIView):
    """Reports follow their own visibility rule (reporting.access)."""

    def get_base_queryset(self):
        return Report.objects.select_related("created_by", "subject_user")

    def scope_queryset(self, queryset):
        return visible_reports(self.request.user, queryset)


class ReportListView(ReportScopedView, generics.ListAPIView):
    """List the reports the caller may read, newest first."""

    serializer_class = ReportSerializer
    pagination_class = StandardPagination
    filterset_fields = ["report_type", "status"]

    def get_base_queryset(self):
        return super().get_base_queryset().order_by("-created_at")

    @extend_schema(responses={200: ReportSerializer(many=True), **ERRORS, **NOT_FOUND})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReportDetailView(ReportScopedView, generics.RetrieveAPIView):
    """Return one report with its data, deliveries and download links."""

    serializer_class = ReportDetailSerializer

    def get_object(self):
        # Any id that is not a UUID names no report: 404, like an unknown one.
        try:
            uuid.UUID(str(self.kwargs["pk"]))
        except ValueError:
            raise NotFound("No such report.") from None
        return super().get_object()

    @extend_schema(responses={200: ReportDetailSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _visible_user(viewer, user_id, field):
    user = User.objects.visible_to(viewer).filter(pk=user_id).first()
    if user is None:
        # Someone the caller may not report on reads as no one at all.
        raise ValidationError({field: [f"No user {user_id} you may report on."]})
    return user


def _window(data):
    start, end = data.get("start_date"), data.get("end_date")
    if not start or not end:
        raise ValidationError({"start_date": ["start_date and end_date are required."]})
    if start > end:
        raise ValidationError({"end_date": ["end_date must not be before start_date."]})
    if (end - start).days + 1 > MAX_CUSTOM_DAYS:
        raise ValidationError(
            {"end_date": [f"A report covers at most {MAX_CUSTOM_DAYS} days."]}
        )
    return local_midnight(start), local_midnight(end + dt.timedelta(days=1))


class GenerateReportView(ReportScopedView):
    """Request a report; daily summaries and user activity are built at once."""

    serializer_class = GenerateReportSerializer
    audit_action = AuditAction.GENERATE_REPORT

    @extend_schema(
        request=GenerateReportSerializer,
        responses={
            201: OpenApiResponse(ReportDetailSerializer, description="Built inline."),
            202: OpenApiResponse(ReportSerializer, description="Queued; poll its URL."),
            **ERRORS,
        },
    )
    def post(self, request):
        serializer = GenerateReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report_type = data["report_type"]
        report = self._pending_or_existing(request.user, report_type, data)
        if report.status == "pending" and report_type not in INLINE_TYPES:
            from apps.analytics.tasks import build_report

            transaction.on_commit(lambda: build_report.delay(str(report.pk)))
            body = ReportSerializer(report, context={"request": request}).data
            return Response(body, status=status.HTTP_202_ACCEPTED)
        if report.status == "pending":
            ReportingService().build(report)
        body = ReportDetailSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _pending_or_existing(self, viewer, report_type, data):
        """Validate the parameters; return a reusable completed report or a new one."""
        service, force = ReportingService(), data["force"]
        if data.get("date") and data["date"] > timezone.localdate():
            raise ValidationError({"date": ["date must not be in the future."]})
        if report_type == ReportType.USER_ACTIVITY:
            if "user_id" not in data:
                raise ValidationError({"user_id": ["A user_activity report needs it."]})
            subject = _visible_user(viewer, data["user_id"], "user_id")
            start, end = _window(data)
            return service.prepare(
                report_type,
                start,
                end,
                user_scope(subject),
                created_by=viewer,
                subject_user=subject,
                force=force,
            )
        if report_type == ReportType.CUSTOM:
            start, end = _window(data)
            ids = data.get("user_ids")
            users = (
                [_visible_user(viewer, pk, "user_ids") for pk in ids] if ids else None
            )
            extra = {
                "metrics": data.get("metrics"),
                "granularity": data.get("granularity"),
                "compare_previous": data["compare_previous"],
            }
            return service.prepare(
                report_type,
                start,
                end,
                custom_scope(viewer, users),
                created_by=viewer,
                extra=extra,
                force=force,
            )
        period = period_for(report_type, data.get("date"))
        return service.prepare(
            report_type,
            period.start,
            period.end,
            scope_for(viewer),
            created_by=viewer,
            force=force,
        )
