"""GET dashboard/: the caller's headline figures, series and live activity."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.analytics.api.schema import ERRORS
from apps.analytics.limits import MAX_DASHBOARD_DAYS
from apps.analytics.services.dashboard import dashboard
from apps.core.scoping import ScopedAPIView


class DashboardQuery(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=MAX_DASHBOARD_DAYS, default=7
    )


class DashboardView(ScopedAPIView):
    """Every metric for the last `days` days against the days before, for the
    caller's scope (organisation, team or self), with daily series."""

    reads_from_replica = True

    serializer_class = DashboardQuery

    @extend_schema(
        parameters=[DashboardQuery],
        responses={
            200: {
                "type": "object",
                "description": "window, scope, metrics (value, previous_value, change, "
                "numerator, denominator, sample_size), series, engagement, "
                "system_health and open_alerts (managers and admins), "
                "active_users_now, last_refresh, is_cached.",
            },
            **ERRORS,
        },
    )
    def get(self, request):
        query = DashboardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(dashboard(self.scope, query.validated_data["days"]))
