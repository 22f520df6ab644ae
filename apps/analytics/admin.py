from django.contrib import admin
from django.utils import timezone

from apps.analytics.models import (
    Alert,
    AlertEvent,
    AlertRule,
    Anomaly,
    DataQualityMetric,
    PerformanceMetric,
    Report,
    ReportDelivery,
    Silence,
    SystemHealthMetric,
    UserEngagementMetric,
)


@admin.register(PerformanceMetric)
class PerformanceMetricAdmin(admin.ModelAdmin):
    list_display = [
        "metric_type",
        "aggregation_period",
        "period_start",
        "user",
        "value",
    ]
    list_filter = ["metric_type", "aggregation_period", "user__team"]
    search_fields = ["user__username"]
    date_hierarchy = "period_start"
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(UserEngagementMetric)
class UserEngagementMetricAdmin(admin.ModelAdmin):
    list_display = [
        "timestamp",
        "user",
        "engagement_type",
        "session_id",
        "duration_seconds",
        "entity_type",
        "entity_id",
    ]
    list_filter = ["engagement_type", "entity_type", "user__team"]
    search_fields = ["user__username", "session_id", "entity_id"]
    date_hierarchy = "timestamp"
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(DataQualityMetric)
class DataQualityMetricAdmin(admin.ModelAdmin):
    list_display = [
        "measured_at",
        "quality_type",
        "entity_type",
        "field_name",
        "score",
        "confidence",
    ]
    list_filter = ["quality_type", "entity_type", "field_name"]
    search_fields = ["entity_id", "field_name"]
    date_hierarchy = "measured_at"
    raw_id_fields = ["user"]


@admin.register(SystemHealthMetric)
class SystemHealthMetricAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "component", "health_type", "value", "unit", "status"]
    list_filter = ["status", "health_type", "component"]
    search_fields = ["component"]
    date_hierarchy = "timestamp"


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "report_type",
        "period_start",
        "status",
        "created_by",
        "generated_at",
    ]
    list_filter = ["report_type", "status"]
    search_fields = ["title", "created_by__username"]
    date_hierarchy = "period_start"
    raw_id_fields = ["created_by", "subject_user"]
    readonly_fields = ["id", "created_at", "updated_at", "generated_at"]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "recipient",
        "report_type",
        "period_start",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "report_type"]
    # The recipient is encrypted: the database cannot search it.
    search_fields = ["last_error"]
    raw_id_fields = ["report"]
    readonly_fields = ["claimed_at", "sent_at", "attempts", "last_error"]


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "severity", "enabled", "for_seconds", "threshold"]
    list_filter = ["kind", "severity", "enabled"]
    search_fields = ["name", "component", "metric_type"]
    raw_id_fields = ["team", "user"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Moved by send_analytics_alerts only; here they are read and acknowledged."""

    list_display = [
        "rule",
        "state",
        "severity",
        "value",
        "since",
        "last_notified_at",
        "acknowledged_at",
    ]
    list_filter = ["state", "severity"]
    date_hierarchy = "since"
    list_select_related = ["rule"]
    actions = ["acknowledge"]
    readonly_fields = [
        field.name
        for field in Alert._meta.fields
        if field.name not in ("acknowledged_at", "acknowledged_by")
    ]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Acknowledge (stop notifications, keep the state)")
    def acknowledge(self, request, queryset):
        queryset.filter(acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=request.user
        )


@admin.register(Silence)
class SilenceAdmin(admin.ModelAdmin):
    list_display = ["matchers", "reason", "starts_at", "ends_at", "created_by"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    """The record of evaluations and notification attempts: read-only."""

    list_display = ["timestamp", "rule", "kind", "state", "channel", "status", "value"]
    list_filter = ["kind", "channel", "status"]
    date_hierarchy = "timestamp"
    list_select_related = ["rule"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Anomaly)
class AnomalyAdmin(admin.ModelAdmin):
    """Read-only: anomalies are recorded by the scan alone."""

    list_display = [
        "timestamp",
        "series_kind",
        "metric_type",
        "component",
        "health_type",
        "granularity",
        "scope_key",
        "direction",
        "severity",
        "observed",
        "expected",
        "score",
    ]
    list_filter = [
        "severity",
        "direction",
        "series_kind",
        "metric_type",
        "component",
        "granularity",
    ]
    search_fields = ["component", "scope_key", "user__username"]
    date_hierarchy = "timestamp"
    list_select_related = ["user", "team"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
