"""Alerts: their list for admins and managers; rules, silences and acknowledgement
for admins. Alerts are moved only by send_analytics_alerts."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.accounts.scope import Permission
from apps.analytics.api.schema import ERRORS, NOT_FOUND
from apps.analytics.limits import MAX_ID
from apps.analytics.models import (
    Alert,
    AlertRule,
    AlertRuleKind,
    AlertState,
    Silence,
)
from apps.analytics.selectors.alerts import visible_alerts
from apps.core.pagination import StandardPagination
from apps.core.scoping import ScopedAPIView

MAX_LABELS = 20
MAX_LABEL_LENGTH = 200


def check_labels(value, name):
    """Labels and matchers: a small object of short strings."""
    if not isinstance(value, dict):
        raise serializers.ValidationError(f"{name} must be an object.")
    if len(value) > MAX_LABELS:
        raise serializers.ValidationError(f"at most {MAX_LABELS} {name}.")
    for key, item in value.items():
        if not isinstance(item, str) or not key:
            raise serializers.ValidationError(f"{name} map names to strings.")
        if len(key) > MAX_LABEL_LENGTH or len(item) > MAX_LABEL_LENGTH:
            raise serializers.ValidationError(f"{name} longer than {MAX_LABEL_LENGTH}.")
    return value


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.name", read_only=True)
    rule_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "rule_id",
            "state",
            "severity",
            "labels",
            "value",
            "since",
            "firing_since",
            "ended_at",
            "last_evaluated_at",
            "last_notified_at",
            "acknowledged_at",
            "acknowledged_by",
        ]
        read_only_fields = fields


class AlertRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "kind",
            "severity",
            "component",
            "health_type",
            "metric_type",
            "comparison",
            "threshold",
            "window_seconds",
            "for_seconds",
            "labels",
            "team",
            "user",
            "enabled",
        ]
        extra_kwargs = {
            "window_seconds": {"min_value": 60, "max_value": 366 * 86400},
            "for_seconds": {"min_value": 0, "max_value": 7 * 86400},
        }

    def validate_labels(self, value):
        return check_labels(value, "labels")

    def validate(self, attrs):
        merged = {**self._current(), **attrs}
        if merged.get("kind") == AlertRuleKind.HEALTH:
            missing = [f for f in ("component", "health_type") if not merged.get(f)]
        elif merged.get("kind") == AlertRuleKind.ANOMALY:
            # A metric's anomalies, or a component's (of one health type or all).
            either = merged.get("metric_type") or merged.get("component")
            missing = [] if either else ["metric_type"]
        else:
            missing = [f for f in ("metric_type", "threshold") if merged.get(f) is None]
            missing += [] if merged.get("metric_type") or missing else ["metric_type"]
        if missing:
            raise serializers.ValidationError(
                {name: "required for this kind of rule." for name in missing}
            )
        return attrs

    def _current(self):
        if self.instance is None:
            return {}
        return {name: getattr(self.instance, name) for name in self.Meta.fields[1:]}


class SilenceSerializer(serializers.ModelSerializer):
    starts_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Silence
        fields = ["id", "matchers", "reason", "starts_at", "ends_at", "created_by"]
        read_only_fields = ["created_by"]

    def validate_matchers(self, value):
        check_labels(value, "matchers")
        if not value:  # an empty matcher set would silence everything
            raise serializers.ValidationError("at least one matcher.")
        return value

    def validate(self, attrs):
        starts = attrs.setdefault("starts_at", timezone.now())
        if attrs["ends_at"] <= max(starts, timezone.now()):
            raise serializers.ValidationError(
                {"ends_at": "must be after starts_at and in the future."}
            )
        return attrs


class AlertFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AlertState.choices)

    class Meta:
        model = Alert
        fields = ["state"]


class AlertListView(ScopedAPIView, generics.ListAPIView):
    """List alerts: admins all, managers those of their team's and the
    organisation's rules, members none."""

    reads_from_replica = True

    required_permission = Permission.ALERTS
    scope_user_field = "rule__user"
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    pagination_class = StandardPagination

    def get_base_queryset(self):
        return Alert.objects.select_related("rule").order_by("-since", "-id")

    def scope_queryset(self, queryset):
        # A rule belongs to a user, a team or the organisation: the Scope decides.
        return visible_alerts(self.scope, queryset)

    @extend_schema(responses={200: AlertSerializer(many=True), **ERRORS, **NOT_FOUND})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AdminAlertingView(ScopedAPIView):
    required_permission = Permission.MANAGE_ALERTS
    scope_user_field = None  # configuration, not anyone's data


def object_or_404(queryset, raw_pk):
    """Return the row of an id from the URL; anything else names nothing: 404."""
    pk = int(raw_pk) if str(raw_pk).isdigit() else 0
    if not 0 < pk <= MAX_ID:
        raise NotFound("No such object.")
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound("No such object.")
    return found


class AcknowledgeAlertView(AdminAlertingView):
    """Acknowledge an alert: no more notifications of it; its state goes on."""

    serializer_class = AlertSerializer

    @extend_schema(
        request=None, responses={200: AlertSerializer, **ERRORS, **NOT_FOUND}
    )
    def post(self, request, pk):
        alert = object_or_404(Alert.objects.select_related("rule"), pk)
        Alert.objects.filter(pk=alert.pk, acknowledged_at=None).update(
            acknowledged_at=timezone.now(), acknowledged_by=request.user
        )
        alert.refresh_from_db()
        return Response(AlertSerializer(alert).data)


class SilenceListView(AdminAlertingView, generics.ListCreateAPIView):
    """List silences, or start one (label matchers, a reason, an end)."""

    serializer_class = SilenceSerializer
    pagination_class = StandardPagination

    def get_base_queryset(self):
        return Silence.objects.order_by("-starts_at", "-id")

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(responses={200: SilenceSerializer(many=True), **ERRORS, **NOT_FOUND})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={201: SilenceSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class AlertRuleListView(AdminAlertingView, generics.ListCreateAPIView):
    """List the alert rules, or add one."""

    serializer_class = AlertRuleSerializer
    pagination_class = StandardPagination

    def get_base_queryset(self):
        return AlertRule.objects.order_by("name", "id")

    @extend_schema(
        responses={200: AlertRuleSerializer(many=True), **ERRORS, **NOT_FOUND}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={201: AlertRuleSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class AlertRuleDetailView(AdminAlertingView, generics.RetrieveUpdateDestroyAPIView):
    """Read, change or delete an alert rule (deleting it deletes its alerts)."""

    serializer_class = AlertRuleSerializer
    http_method_names = ["get", "patch", "delete", "options"]

    def get_base_queryset(self):
        return AlertRule.objects.all()

    def get_object(self):
        return object_or_404(self.get_queryset(), self.kwargs["pk"])

    @extend_schema(responses={200: AlertRuleSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={200: AlertRuleSerializer, **ERRORS, **NOT_FOUND})
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    @extend_schema(responses={204: None, **ERRORS, **NOT_FOUND})
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)
