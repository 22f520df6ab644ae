"""Reports: list and read the caller's reports, and request new ones."""

import dataclasses
import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.accounts.scope import Scope
from apps.analytics.api.schema import ERRORS, NOT_FOUND, TOO_LARGE
from apps.analytics.api.serializers import (
    GenerateReportSerializer,
    ReportDetailSerializer,
    ReportSerializer,
)
from apps.analytics.models import Report, ReportStatus
from apps.analytics.reporting.access import visible_reports
from apps.analytics.services.reporting import Dispatch, ReportingService
from apps.core.models import AuditAction
from apps.core.pagination import StandardPagination
from apps.core.scoping import ScopedAPIView


class ReportScopedView(ScopedAPIView):
    """Reports follow the scope's report rule (reporting.access)."""

    def get_base_queryset(self):
        return Report.objects.select_related("created_by", "subject_user")

    def scope_queryset(self, queryset):
        return visible_reports(self.scope, queryset)


class ReportListView(ReportScopedView, generics.ListAPIView):
    """List the reports the caller may read, newest first."""

    reads_from_replica = True

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
        self.report = super().get_object()
        return self.report

    @property
    def served_scope(self) -> Scope:
        """A report holds the data of the scope it was made for."""
        report = getattr(self, "report", None)
        if report is None or "scope" not in report.parameters:
            return self.scope
        stored = Scope.from_dict(report.parameters["scope"])
        return dataclasses.replace(stored, viewer_id=self.scope.viewer_id)

    @extend_schema(responses={200: ReportDetailSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class GenerateReportView(ReportScopedView):
    """Request a report; daily summaries and user activity are built at once."""

    serializer_class = GenerateReportSerializer
    audit_action = AuditAction.GENERATE_REPORT

    @extend_schema(
        request=GenerateReportSerializer,
        responses={
            201: OpenApiResponse(ReportDetailSerializer, description="Built inline."),
            202: OpenApiResponse(
                ReportSerializer,
                description="Queued, or being built for an identical request; poll "
                "its URL.",
            ),
            **ERRORS,
            **TOO_LARGE,
        },
    )
    def post(self, request):
        serializer = GenerateReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = ReportingService().request_report(
            data["report_type"],
            scope=self.scope,
            date=data.get("date"),
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            subject=data.get("user_id"),
            users=data.get("user_ids"),
            metrics=data.get("metrics"),
            granularity=data.get("granularity"),
            compare_previous=data["compare_previous"],
            force=data["force"],
            dispatch=Dispatch.AUTO,
        )
        if report.status in (ReportStatus.PENDING, ReportStatus.GENERATING):
            # Queued for a worker, or already being built for an identical request.
            body = ReportSerializer(report, context={"request": request}).data
            return Response(body, status=status.HTTP_202_ACCEPTED)
        body = ReportDetailSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)
