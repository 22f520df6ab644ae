"""Routes of /api/v1/analytics/, exactly as the spec names them."""

from django.urls import path

from apps.analytics.api import (
    alerts,
    dashboard,
    export,
    health,
    insights,
    metrics,
    privacy,
    reports,
)

urlpatterns = [
    path("dashboard/", dashboard.DashboardView.as_view(), name="analytics-dashboard"),
    path(
        "metrics/performance/",
        metrics.PerformanceMetricListView.as_view(),
        name="analytics-performance",
    ),
    path(
        "metrics/engagement/",
        metrics.EngagementListView.as_view(),
        name="analytics-engagement",
    ),
    path(
        "track-engagement/",
        metrics.TrackEngagementView.as_view(),
        name="analytics-track-engagement",
    ),
    path(
        "metrics/system-health/",
        health.SystemHealthListView.as_view(),
        name="analytics-system-health",
    ),
    path(
        "system-health/status/",
        health.SystemHealthStatusView.as_view(),
        name="analytics-system-health-status",
    ),
    path("reports/", reports.ReportListView.as_view(), name="analytics-reports"),
    path(
        "reports/generate/",
        reports.GenerateReportView.as_view(),
        name="analytics-reports-generate",
    ),
    path(
        "reports/<str:pk>/",
        reports.ReportDetailView.as_view(),
        name="analytics-report-detail",
    ),
    path("export/", export.ExportView.as_view(), name="analytics-export"),
    path(
        "privacy/users/<str:id>/export/",
        privacy.PersonalDataExportView.as_view(),
        name="analytics-privacy-export",
    ),
    path(
        "privacy/users/<str:id>/erase/",
        privacy.PersonalDataEraseView.as_view(),
        name="analytics-privacy-erase",
    ),
    path("insights/", insights.InsightsView.as_view(), name="analytics-insights"),
    path("anomalies/", insights.AnomalyListView.as_view(), name="analytics-anomalies"),
    path("alerts/", alerts.AlertListView.as_view(), name="analytics-alerts"),
    path(
        "alerts/rules/",
        alerts.AlertRuleListView.as_view(),
        name="analytics-alert-rules",
    ),
    path(
        "alerts/rules/<str:pk>/",
        alerts.AlertRuleDetailView.as_view(),
        name="analytics-alert-rule-detail",
    ),
    path(
        "alerts/silences/",
        alerts.SilenceListView.as_view(),
        name="analytics-alert-silences",
    ),
    path(
        "alerts/<str:pk>/acknowledge/",
        alerts.AcknowledgeAlertView.as_view(),
        name="analytics-alert-acknowledge",
    ),
]
