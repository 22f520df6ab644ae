"""Performance metrics and engagement: scoped, filtered, paginated lists; tracking."""

import django_filters
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from apps.analytics.api.params import DateRangeFilterSet
from apps.analytics.api.schema import ERRORS, NOT_FOUND, THROTTLED, TOO_LARGE
from apps.analytics.api.serializers import (
    BatchResultSerializer,
    EngagementEventSerializer,
    PerformanceMetricSerializer,
    TrackBatchSerializer,
    TrackEngagementSerializer,
)
from apps.analytics.limits import MAX_BATCH_EVENTS
from apps.analytics.models import (
    AggregationPeriod,
    EngagementType,
    MetricType,
    PerformanceMetric,
    UserEngagementMetric,
)
from apps.analytics.services.engagement import (
    record_engagement,
    record_engagement_batch,
)
from apps.core.pagination import EstimatedCountPagination, StandardPagination
from apps.core.scoping import ScopedAPIView


class PerformanceMetricFilter(DateRangeFilterSet):
    date_field = "period_start"
    metric_type = django_filters.ChoiceFilter(choices=MetricType.choices)
    aggregation_period = django_filters.ChoiceFilter(choices=AggregationPeriod.choices)
    user = django_filters.NumberFilter(field_name="user_id")

    class Meta(DateRangeFilterSet.Meta):
        model = PerformanceMetric
        fields = ["metric_type", "aggregation_period", "user"]


class EngagementFilter(DateRangeFilterSet):
    engagement_type = django_filters.ChoiceFilter(choices=EngagementType.choices)
    session_id = django_filters.CharFilter()
    user = django_filters.NumberFilter(field_name="user_id")

    class Meta(DateRangeFilterSet.Meta):
        model = UserEngagementMetric
        fields = ["engagement_type", "session_id", "user"]


class PerformanceMetricListView(ScopedAPIView, generics.ListAPIView):
    """List stored performance metrics; organisation rows for managers and admins."""

    reads_from_replica = True

    serializer_class = PerformanceMetricSerializer
    filterset_class = PerformanceMetricFilter
    filter_backends = [*ScopedAPIView.filter_backends, OrderingFilter]
    ordering_fields = ["period_start", "value", "metric_type", "updated_at"]
    ordering = ["-period_start", "metric_type", "user_id"]
    pagination_class = StandardPagination
    organisation_rows = True

    def get_base_queryset(self):
        return PerformanceMetric.objects.all()

    @extend_schema(
        responses={200: PerformanceMetricSerializer(many=True), **ERRORS, **NOT_FOUND}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EngagementListView(ScopedAPIView, generics.ListAPIView):
    """List engagement events: members their own, managers their team's.

    `count` is exact up to 10,000 events; past that, on PostgreSQL, it is the
    database's estimate (the table holds millions of events).
    """

    reads_from_replica = True

    serializer_class = EngagementEventSerializer
    filterset_class = EngagementFilter
    filter_backends = [*ScopedAPIView.filter_backends, OrderingFilter]
    ordering_fields = ["timestamp", "engagement_type"]
    ordering = ["-timestamp", "-id"]
    pagination_class = EstimatedCountPagination

    def get_base_queryset(self):
        return UserEngagementMetric.objects.all()

    @extend_schema(
        responses={200: EngagementEventSerializer(many=True), **ERRORS, **NOT_FOUND}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TrackEngagementView(ScopedAPIView):
    """Track engagement events of the caller: one, or a batch under `events`."""

    throttle_scope = "track"
    serializer_class = TrackEngagementSerializer

    def get_base_queryset(self):
        return UserEngagementMetric.objects.all()

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="TrackEngagementRequest",
            serializers=[TrackEngagementSerializer, TrackBatchSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="TrackEngagementResult",
                    serializers=[EngagementEventSerializer, BatchResultSerializer],
                    resource_type_field_name=None,
                ),
                description="The stored event, or for a batch what was stored.",
            ),
            200: OpenApiResponse(
                EngagementEventSerializer,
                description="This event_id was stored before: the stored event.",
            ),
            **ERRORS,
            **THROTTLED,
            **TOO_LARGE,
        },
        description=(
            "Send one event as the body, or up to "
            f'{MAX_BATCH_EVENTS} as `{{"events": [...]}}` (stored in one insert, or '
            "none if any is invalid; errors name each bad item by index). "
            "`event_id` makes tracking idempotent: a repeat answers 200 with the "
            "stored event. A batch answers 201 with `created`, `duplicates` and the "
            "new `event_ids`."
        ),
    )
    def post(self, request):
        data = request.data
        if isinstance(data, dict) and "events" in data:
            result = record_engagement_batch(request.user, data["events"])
            body = {
                "created": len(result.created),
                "duplicates": len(result.duplicates),
                "event_ids": [str(e.event_id) for e in result.created if e.event_id],
            }
            return Response(body, status=status.HTTP_201_CREATED)
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        event, created = record_engagement(request.user, data)
        return Response(
            EngagementEventSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
