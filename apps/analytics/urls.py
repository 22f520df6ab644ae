"""The web app's pages: dashboard, metric detail, health, alerts, reports, export."""

from django.urls import path

from apps.analytics.views import pages, reports

app_name = "analytics"

urlpatterns = [
    path("dashboard/", pages.dashboard_page, name="dashboard"),
    path(
        "dashboard/metrics/<str:metric_type>/", pages.metric_page, name="metric-detail"
    ),
    path("system/health/", pages.health_page, name="health"),
    path("alerts/", pages.alerts_page, name="alerts"),
    path("export/", pages.export_page, name="export"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/<uuid:report_id>/", reports.report_detail, name="report-detail"),
    path("reports/<uuid:report_id>.json", reports.report_json, name="report-json"),
    path("reports/<uuid:report_id>.csv", reports.report_csv, name="report-csv"),
]
