"""Request and response bodies of the analytics API."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.analytics.limits import (
    MAX_DURATION_SECONDS,
    MAX_ENTITY_LENGTH,
    MAX_ID,
    MAX_SESSION_ID_LENGTH,
)
from apps.analytics.models import (
    EngagementType,
    MetricType,
    PerformanceMetric,
    Report,
    ReportType,
    SystemHealthMetric,
    UserEngagementMetric,
)
from apps.core.links import absolute_url


class PerformanceMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = PerformanceMetric
        fields = [
            "id",
            "metric_type",
            "aggregation_period",
            "value",
            "period_start",
            "period_end",
            "user",
            "metadata",
            "updated_at",
        ]


class EngagementEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = UserEngagementMetric
        fields = [
            "id",
            "user",
            "engagement_type",
            "session_id",
            "duration_seconds",
            "entity_type",
            "entity_id",
            "metadata",
            "timestamp",
            "event_id",
            "created_at",
        ]


class TrackEngagementSerializer(serializers.Serializer):
    """One event to track; the caller is its user.

    It describes the body for the API docs only: the view hands the body to
    services.engagement.build_event, the one validator of events.
    """

    engagement_type = serializers.ChoiceField(choices=EngagementType.choices)
    session_id = serializers.CharField(max_length=MAX_SESSION_ID_LENGTH)
    entity_type = serializers.CharField(
        max_length=MAX_ENTITY_LENGTH, required=False, allow_blank=True
    )
    entity_id = serializers.CharField(
        max_length=MAX_ENTITY_LENGTH, required=False, allow_blank=True
    )
    duration_seconds = serializers.FloatField(
        min_value=0, max_value=MAX_DURATION_SECONDS, required=False, allow_null=True
    )
    metadata = serializers.JSONField(required=False)
    timestamp = serializers.DateTimeField(required=False)
    event_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Client UUID: resending is safe."
    )


class TrackBatchSerializer(serializers.Serializer):
    """Up to MAX_BATCH_EVENTS events, stored all together or not at all."""

    events = TrackEngagementSerializer(many=True)


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    event_ids = serializers.ListField(child=serializers.UUIDField(), required=False)


class SystemHealthMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = SystemHealthMetric
        fields = [
            "id",
            "health_type",
            "component",
            "value",
            "unit",
            "status",
            "warning_threshold",
            "critical_threshold",
            "higher_is_worse",
            "metadata",
            "timestamp",
        ]


class HealthStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    checked_at = serializers.DateTimeField()
    components = SystemHealthMetricSerializer(many=True)


class ReportSerializer(serializers.ModelSerializer):
    links = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "report_type",
            "title",
            "period_start",
            "period_end",
            "status",
            "error",
            "created_by",
            "subject_user",
            "parameters",
            "created_at",
            "generated_at",
            "links",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "html": {"type": "string"},
                "json": {"type": "string"},
                "csv": {"type": "string"},
            },
        }
    )
    def get_links(self, report) -> dict:
        request = self.context.get("request")

        def url(name):
            path = reverse(f"analytics:{name}", args=[report.pk])
            return absolute_url(path, request) if request else path

        return {
            "html": url("report-detail"),
            "json": url("report-json"),
            "csv": url("report-csv"),
        }


class ReportDetailSerializer(ReportSerializer):
    deliveries = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "report_data", "deliveries"]

    def get_deliveries(self, report) -> list[dict]:
        deliveries = report.deliveries.values(
            "recipient", "status", "attempts", "last_error", "sent_at"
        )
        # Sorted here: the database holds the recipients encrypted, and its order
        # of the ciphertexts would be random.
        return sorted(deliveries, key=lambda delivery: delivery["recipient"])


class GenerateReportSerializer(serializers.Serializer):
    """What to report on; which fields apply depends on `report_type`.

    Dates run from 2000-01-01 to a year ahead (limits.day_bounds_error, checked by
    the service with the rest of the request).
    """

    report_type = serializers.ChoiceField(choices=ReportType.choices)
    date = serializers.DateField(
        required=False,
        help_text="A day in the period (daily, weekly, monthly; default: the latest "
        "complete one), or the last of a user_activity report's 30 days.",
    )
    start_date = serializers.DateField(
        required=False,
        help_text="First local day of a custom (required) or user_activity report.",
    )
    end_date = serializers.DateField(
        required=False, help_text="Last local day included; at most 366 days."
    )
    user_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    user_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=500,
    )
    metrics = serializers.ListField(
        child=serializers.ChoiceField(choices=MetricType.choices),
        required=False,
        # Each metric once at most; a longer list is stored in the report for nothing.
        max_length=len(MetricType.choices),
    )
    granularity = serializers.ChoiceField(
        choices=["hourly", "daily", "weekly", "monthly"], required=False
    )
    compare_previous = serializers.BooleanField(required=False, default=True)
    force = serializers.BooleanField(required=False, default=False)
