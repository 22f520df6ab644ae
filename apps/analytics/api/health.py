"""System health: raw readings for admins, the current status for managers too."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from apps.accounts.scope import Permission
from apps.analytics.api.params import DateRangeFilterSet
from apps.analytics.api.schema import ERRORS, NOT_FOUND
from apps.analytics.api.serializers import (
    HealthStatusSerializer,
    SystemHealthMetricSerializer,
)
from apps.analytics.models import HealthStatus, HealthType, SystemHealthMetric
from apps.analytics.selectors.health import current_readings, overall_status
from apps.core.pagination import StandardPagination
from apps.core.scoping import ScopedAPIView


class SystemHealthFilter(DateRangeFilterSet):
    health_type = django_filters.ChoiceFilter(choices=HealthType.choices)
    component = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=HealthStatus.choices)

    class Meta(DateRangeFilterSet.Meta):
        model = SystemHealthMetric
        fields = ["health_type", "component", "status"]


class SystemHealthListView(ScopedAPIView, generics.ListAPIView):
    """List raw system health readings (admins only)."""

    reads_from_replica = True

    required_permission = Permission.RAW_SYSTEM_HEALTH
    scope_user_field = None  # readings belong to no user
    serializer_class = SystemHealthMetricSerializer
    filterset_class = SystemHealthFilter
    pagination_class = StandardPagination

    def get_base_queryset(self):
        return SystemHealthMetric.objects.order_by("-timestamp", "-id")

    @extend_schema(
        responses={200: SystemHealthMetricSerializer(many=True), **ERRORS, **NOT_FOUND}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SystemHealthStatusView(ScopedAPIView):
    """Return the overall status and the latest reading of each check."""

    required_permission = Permission.SYSTEM_HEALTH_STATUS
    scope_user_field = None
    serializer_class = HealthStatusSerializer

    @extend_schema(responses={200: HealthStatusSerializer, **ERRORS})
    def get(self, request):
        readings = current_readings()
        return Response(
            HealthStatusSerializer(
                {
                    "status": overall_status(readings),
                    "checked_at": timezone.now(),
                    "components": readings,
                }
            ).data
        )
