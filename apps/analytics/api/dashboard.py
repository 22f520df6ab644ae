"""GET dashboard/: the caller's headline figures, series and live activity."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.analytics.api.params import ViewedPartQuery
from apps.analytics.api.schema import ERRORS, NOT_FOUND
from apps.analytics.limits import MAX_DASHBOARD_DAYS, day_bounds_error
from apps.analytics.services.dashboard import dashboard
from apps.core.scoping import ScopedAPIView


class DashboardQuery(ViewedPartQuery):
    days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DASHBOARD_DAYS,
        default=7,
        help_text="The last N local days, ending now (ignored with start/end).",
    )
    start = serializers.DateField(
        required=False, help_text="First local day (YYYY-MM-DD), with `end`."
    )
    end = serializers.DateField(
        required=False, help_text="Last local day (YYYY-MM-DD, included), with `start`."
    )

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            missing = "end" if end is None else "start"
            raise serializers.ValidationError({missing: "start and end go together."})
        errors = {}
        for name in ("start", "end"):
            if attrs.get(name) and (error := day_bounds_error(attrs[name], name)):
                errors[name] = error
        if not errors and start and end:
            if end < start:
                errors["end"] = "end must not be before start."
            elif (end - start).days + 1 > MAX_DASHBOARD_DAYS:
                errors["end"] = f"A dashboard covers at most {MAX_DASHBOARD_DAYS} days."
        errors.update(self.viewed_part_errors(attrs))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class DashboardView(ScopedAPIView):
    """Every metric for the last `days` days (or local days `start`..`end`) against
    the window before, for the caller's scope (organisation, team or self) or a
    user or team within it, with daily series."""

    reads_from_replica = True

    serializer_class = DashboardQuery

    @extend_schema(
        parameters=[DashboardQuery],
        responses={
            200: {
                "type": "object",
                "description": "window (days, first_day, last_day, start, end, "
                "previous_start), scope, metrics (value, previous_value, change, "
                "good_direction, numerator, denominator, sample_size), series "
                "(per metric: date, value, partial), engagement, competition "
                "(total_mentions, competitors with share_of_voice, rising), "
                "system_health and open_alerts (managers and admins), "
                "active_users_now, last_refresh, is_cached.",
            },
            **ERRORS,
            **NOT_FOUND,
        },
    )
    def get(self, request):
        query = DashboardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        viewed = self.view_part(user_id=data.get("user_id"), team_id=data.get("team"))
        return Response(
            dashboard(
                viewed,
                data["days"],
                first_day=data.get("start"),
                last_day=data.get("end"),
            )
        )
