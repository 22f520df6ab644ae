"""Insights of one metric series, and the list of recorded anomalies."""

import datetime as dt

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.analytics.api.params import DateRangeFilterSet, ViewedPartQuery
from apps.analytics.api.schema import ERRORS, NOT_FOUND
from apps.analytics.limits import (
    MAX_DASHBOARD_DAYS,
    MAX_FORECAST_HORIZON,
    day_bounds_error,
    day_range_error,
)
from apps.analytics.models import (
    Anomaly,
    AnomalySeverity,
    Direction,
    HealthType,
    MetricType,
    SeriesGranularity,
    SeriesKind,
)
from apps.analytics.periods import (
    local_day,
    local_day_end,
    local_midnight,
    parse_day_or_instant,
    period_containing,
    shift_local_days,
)
from apps.analytics.services.insights import series_insights
from apps.core.pagination import StandardPagination
from apps.core.scoping import ScopedAPIView

GRANULARITIES = SeriesGranularity.choices


class InsightsQuery(ViewedPartQuery):
    metric_type = serializers.ChoiceField(choices=MetricType.choices)
    days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DASHBOARD_DAYS,
        default=30,
        help_text="The last N local days (ignored when start is given).",
    )
    start = serializers.CharField(
        required=False, help_text="YYYY-MM-DD (local day) or an ISO datetime."
    )
    end = serializers.CharField(
        required=False,
        help_text="YYYY-MM-DD (included) or an ISO datetime (excluded); default now.",
    )
    granularity = serializers.ChoiceField(
        choices=GRANULARITIES, default=SeriesGranularity.DAILY
    )
    horizon = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_FORECAST_HORIZON,
        help_text="Periods to forecast (default 7 days or 24 hours).",
    )

    def _instant(self, name: str, raw: str, *, end: bool) -> dt.datetime:
        try:
            value = parse_day_or_instant(raw)
        except ValueError as exc:
            raise ValidationError({name: [str(exc)]}) from None
        if error := day_bounds_error(value, name):
            raise ValidationError({name: [error]})
        if isinstance(value, dt.datetime):
            return value
        return local_day_end(value) if end else local_midnight(value)

    def validate(self, attrs):
        if errors := self.viewed_part_errors(attrs):
            raise ValidationError(errors)
        now = timezone.now()
        end = self._instant("end", attrs["end"], end=True) if "end" in attrs else now
        if "start" in attrs:
            start = self._instant("start", attrs["start"], end=False)
        else:
            start = shift_local_days(end, -attrs["days"])
        if start >= end:
            raise ValidationError({"end": ["end must be after start."]})
        last = local_day(end - dt.timedelta(microseconds=1))  # end is excluded
        if error := day_range_error(local_day(start), last):
            raise ValidationError({"end": [error.replace("end_date", "end")]})
        # Whole periods: the first one starts where the window's first period does.
        attrs["start"] = period_containing(attrs["granularity"], start).start
        attrs["end"] = end
        return attrs


POINTS = inline_serializer(
    "InsightPoint",
    many=True,
    fields={
        "timestamp": serializers.DateTimeField(),
        "value": serializers.FloatField(allow_null=True),
        "denominator": serializers.FloatField(allow_null=True),
        "partial": serializers.BooleanField(),
    },
)
FOUND = inline_serializer(
    "InsightAnomaly",
    many=True,
    fields={
        "timestamp": serializers.DateTimeField(),
        "observed": serializers.FloatField(),
        "expected": serializers.FloatField(),
        "score": serializers.FloatField(),
        "direction": serializers.ChoiceField(choices=Direction.choices),
        "severity": serializers.ChoiceField(choices=AnomalySeverity.choices),
    },
)
TREND = inline_serializer(
    "InsightTrend",
    {
        "direction": serializers.CharField(help_text="up, down or flat"),
        "slope_per_week": serializers.FloatField(allow_null=True),
        "slope_ci_low": serializers.FloatField(allow_null=True),
        "slope_ci_high": serializers.FloatField(allow_null=True),
        "p_value": serializers.FloatField(allow_null=True),
        "significant": serializers.BooleanField(),
        "n": serializers.IntegerField(),
        "change_points": serializers.ListField(child=serializers.DateTimeField()),
    },
)
NUMBERS = serializers.ListField(child=serializers.FloatField(allow_null=True))
FORECAST = inline_serializer(
    "InsightForecast",
    {
        "timestamps": serializers.ListField(child=serializers.DateTimeField()),
        "mean": NUMBERS,
        "lower_80": NUMBERS,
        "upper_80": NUMBERS,
        "lower_95": NUMBERS,
        "upper_95": NUMBERS,
        "model": serializers.CharField(),
    },
)
INSIGHTS = inline_serializer(
    "SeriesInsights",
    {
        "metric_type": serializers.ChoiceField(choices=MetricType.choices),
        "granularity": serializers.ChoiceField(choices=GRANULARITIES),
        "scope": serializers.DictField(),
        "series": POINTS,
        "anomalies": FOUND,
        "trend": TREND,
        "forecast": FORECAST,
    },
)


class InsightsView(ScopedAPIView):
    """One metric's series for the caller's scope (or one user or team in it), with
    its anomalies, trend and forecast."""

    serializer_class = InsightsQuery

    @extend_schema(
        parameters=[InsightsQuery], responses={200: INSIGHTS, **ERRORS, **NOT_FOUND}
    )
    def get(self, request):
        query = InsightsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        scope = self.view_part(user_id=data.get("user_id"), team_id=data.get("team"))
        return Response(
            series_insights(
                scope,
                data["metric_type"],
                start=data["start"],
                end=data["end"],
                granularity=data["granularity"],
                horizon=data.get("horizon"),
            )
        )


class AnomalySerializer(serializers.ModelSerializer):
    class Meta:
        model = Anomaly
        fields = [
            "id",
            "series_kind",
            "metric_type",
            "component",
            "health_type",
            "granularity",
            "team",
            "user",
            "timestamp",
            "observed",
            "expected",
            "score",
            "direction",
            "severity",
            "created_at",
        ]


class AnomalyFilter(DateRangeFilterSet):
    series_kind = django_filters.ChoiceFilter(choices=SeriesKind.choices)
    metric_type = django_filters.ChoiceFilter(choices=MetricType.choices)
    component = django_filters.CharFilter(max_length=64)
    health_type = django_filters.ChoiceFilter(choices=HealthType.choices)
    granularity = django_filters.ChoiceFilter(choices=GRANULARITIES)
    severity = django_filters.ChoiceFilter(choices=AnomalySeverity.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    user_id = django_filters.NumberFilter(field_name="user_id")
    team = django_filters.NumberFilter(field_name="team_id")

    class Meta(DateRangeFilterSet.Meta):
        model = Anomaly
        fields = [
            "series_kind",
            "metric_type",
            "component",
            "health_type",
            "granularity",
            "severity",
            "direction",
            "user_id",
            "team",
        ]


class AnomalyListView(ScopedAPIView, generics.ListAPIView):
    """Recorded anomalies: a member's own series', a manager's team's and members'
    (and the organisation's), an admin's all; newest first."""

    serializer_class = AnomalySerializer
    filterset_class = AnomalyFilter
    pagination_class = StandardPagination

    def get_base_queryset(self):
        return Anomaly.objects.order_by("-timestamp", "-score", "-pk")

    def scope_queryset(self, queryset):
        return self.scope.filter_owned(queryset, user_field="user", team_field="team")

    @extend_schema(responses={200: AnomalySerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
