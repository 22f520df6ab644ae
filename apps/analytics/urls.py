"""Report pages and downloads in the web app."""

from django.urls import path

from apps.analytics import views

app_name = "analytics"

urlpatterns = [
    path("reports/<uuid:report_id>/", views.report_detail, name="report-detail"),
    path("reports/<uuid:report_id>.json", views.report_json, name="report-json"),
    path("reports/<uuid:report_id>.csv", views.report_csv, name="report-csv"),
]
