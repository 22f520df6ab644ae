"""The spec's five analytics models: metrics, engagement, quality, health, reports."""

import uuid

from django.conf import settings
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q

from apps.core.encryption import (
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
)
from apps.core.models import TimeStampedModel


class MetricType(models.TextChoices):
    DEBRIEFING_COMPLETION = "debriefing_completion", "Debriefing completion"
    DATA_EXTRACTION_ACCURACY = "data_extraction_accuracy", "Data extraction accuracy"
    MEETING_DETECTION_ACCURACY = (
        "meeting_detection_accuracy",
        "Meeting detection accuracy",
    )
    PARTICIPANT_MATCHING_ACCURACY = (
        "participant_matching_accuracy",
        "Participant matching accuracy",
    )
    CRM_SYNC_SUCCESS = "crm_sync_success", "CRM sync success"
    USER_ENGAGEMENT = "user_engagement", "User engagement"


class Direction(models.TextChoices):
    UP = "up", "Up"
    DOWN = "down", "Down"


# Which way each metric gets better, declared once: the anomaly scan flags moves the
# other way, and the dashboard, reports and web pages colour changes by it.
GOOD_DIRECTION = {
    MetricType.DEBRIEFING_COMPLETION: Direction.UP,
    MetricType.DATA_EXTRACTION_ACCURACY: Direction.UP,
    MetricType.MEETING_DETECTION_ACCURACY: Direction.UP,
    MetricType.PARTICIPANT_MATCHING_ACCURACY: Direction.UP,
    MetricType.CRM_SYNC_SUCCESS: Direction.UP,
    MetricType.USER_ENGAGEMENT: Direction.UP,
}


def bad_direction(good: str) -> str:
    """Return the direction in which a series gets worse."""
    return Direction.DOWN if good == Direction.UP else Direction.UP


class AggregationPeriod(models.TextChoices):
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class PerformanceMetric(TimeStampedModel):
    """One aggregated figure for a metric, a period and a user (NULL: organisation)."""

    metric_type = models.CharField(max_length=40, choices=MetricType.choices)
    aggregation_period = models.CharField(
        max_length=10, choices=AggregationPeriod.choices
    )
    value = models.FloatField()
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="performance_metrics",
    )
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-period_start", "metric_type"]
        constraints = [
            # NULL never equals NULL in a plain unique index, so the organisation-wide
            # row (user NULL) gets its own partial index; both work on SQLite and
            # PostgreSQL and both can serve as ON CONFLICT targets for upserts.
            models.UniqueConstraint(
                fields=["metric_type", "aggregation_period", "period_start", "user"],
                condition=Q(user__isnull=False),
                name="uniq_perf_metric_per_user",
            ),
            models.UniqueConstraint(
                fields=["metric_type", "aggregation_period", "period_start"],
                condition=Q(user__isnull=True),
                name="uniq_perf_metric_org_wide",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="perf_metric_period_not_empty",
            ),
        ]
        indexes = [
            models.Index(
                fields=["metric_type", "aggregation_period", "period_start"],
                name="perf_metric_type_period_idx",
            ),
            models.Index(fields=["user", "metric_type", "period_start"]),
        ]

    def __str__(self):
        who = self.user or "organisation"
        start = f"{self.period_start:%Y-%m-%d %H:%M}"
        return (
            f"{self.metric_type} {self.aggregation_period} {start} {who}: {self.value}"
        )


class EngagementType(models.TextChoices):
    LOGIN = "login", "Login"
    LOGOUT = "logout", "Logout"
    DASHBOARD_VIEW = "dashboard_view", "Dashboard view"
    MEETING_VIEW = "meeting_view", "Meeting view"
    DEBRIEFING_START = "debriefing_start", "Debriefing started"
    DEBRIEFING_SUBMIT = "debriefing_submit", "Debriefing submitted"
    FIELD_REVIEW = "field_review", "Extracted field reviewed"
    MATCH_REVIEW = "match_review", "Participant match reviewed"
    CRM_SYNC_TRIGGER = "crm_sync_trigger", "CRM sync triggered"
    REPORT_VIEW = "report_view", "Report viewed"
    EXPORT = "export", "Data exported"
    SEARCH = "search", "Search"


class UserEngagementMetric(models.Model):
    """One engagement event: who did what, in which session, on which entity.

    On PostgreSQL the table is range-partitioned by month of `timestamp` (migration
    0012, `apps.analytics.services.partitions`): its primary key is (id, timestamp)
    there, and `event_id` is kept unique across partitions by a claim table filled
    by a trigger, so a repeated event_id still raises IntegrityError on insert.
    """

    # Indexed by (user, timestamp), which also serves the user_id lookups (the
    # cascade on user deletion): a separate user_id index would only cost writes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engagement_events",
        db_index=False,
    )
    engagement_type = models.CharField(max_length=32, choices=EngagementType.choices)
    # Indexed in Meta (a plain B-tree): `db_index` would add a second, LIKE-pattern
    # index on PostgreSQL that no query uses.
    session_id = models.CharField(max_length=128)
    duration_seconds = models.FloatField(null=True, blank=True)
    entity_type = models.CharField(max_length=64, blank=True)
    entity_id = models.CharField(max_length=64, blank=True)
    # Client-supplied free text that can hold personal data: encrypted at rest, so
    # it can be read but not queried by content.
    metadata = EncryptedJSONField(default=dict, blank=True)
    # When it happened (the period it counts in), and when we stored it.
    timestamp = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # The client's idempotency key: the same event sent twice is stored once.
    event_id = models.UUIDField(null=True, blank=True, unique=True, default=None)

    class Meta:
        ordering = ["-timestamp"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True) | Q(duration_seconds__gte=0),
                name="engagement_duration_not_negative",
            )
        ]
        # Each index is here for the queries named beside it; anything else the
        # table is asked is a range of `timestamp` (partition-pruned on PostgreSQL).
        indexes = [
            # Scoped rollups and lists (user_id IN team, timestamp range or order),
            # a user's activity report, and deleting a user's events.
            models.Index(
                fields=["user", "timestamp"], name="analytics_u_user_id_ed7a43_idx"
            ),
            # Organisation-wide windows (rollups, the hourly fold's COUNT) and the
            # engagement list's ORDER BY timestamp DESC LIMIT n: a B-tree, measured
            # against BRIN in bench/partitioning.py (BRIN cannot serve the order).
            models.Index(fields=["timestamp"], name="engagement_timestamp_idx"),
            # The engagement list's `?session_id=` filter (exact match).
            models.Index(fields=["session_id"], name="engagement_session_idx"),
        ]

    def __str__(self):
        return (
            f"{self.user} {self.engagement_type} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"
        )


class QualityType(models.TextChoices):
    ACCURACY = "accuracy", "Accuracy"
    COMPLETENESS = "completeness", "Completeness"
    CONFIDENCE = "confidence", "Confidence"
    CONSISTENCY = "consistency", "Consistency"
    VALIDITY = "validity", "Validity"


class DataQualityMetric(TimeStampedModel):
    """One data-quality score in [0, 1] for an entity (and field), with confidence."""

    quality_type = models.CharField(max_length=16, choices=QualityType.choices)
    entity_type = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=64, blank=True)
    field_name = models.CharField(max_length=64, blank=True)
    score = models.FloatField()
    confidence = models.FloatField()
    # Whose data was measured (NULL: organisation-wide), for access scoping.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="data_quality_metrics",
    )
    # Set on rows computed for a period (per-field accuracy), empty for live readings.
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    measured_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-measured_at"]
        constraints = [
            # One row per field, period and user (or organisation) for computed
            # period rows, so recomputing a period replaces rather than adds.
            models.UniqueConstraint(
                fields=[
                    "quality_type",
                    "entity_type",
                    "field_name",
                    "period_start",
                    "period_end",
                    "user",
                ],
                condition=Q(period_start__isnull=False, user__isnull=False),
                name="uniq_quality_period_per_user",
            ),
            models.UniqueConstraint(
                fields=[
                    "quality_type",
                    "entity_type",
                    "field_name",
                    "period_start",
                    "period_end",
                ],
                condition=Q(period_start__isnull=False, user__isnull=True),
                name="uniq_quality_period_org_wide",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="quality_score_0_1"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="quality_confidence_0_1",
            ),
        ]
        indexes = [
            models.Index(fields=["quality_type", "entity_type", "measured_at"]),
            models.Index(fields=["field_name", "measured_at"]),
            models.Index(fields=["user", "measured_at"]),
        ]

    def __str__(self):
        target = (
            f"{self.entity_type}.{self.field_name}"
            if self.field_name
            else self.entity_type
        )
        return f"{self.quality_type} {target}: {self.score:.3f}"


class HealthType(models.TextChoices):
    API_RESPONSE_TIME = "api_response_time", "API response time"
    DATABASE_LATENCY = "database_latency", "Database latency"
    CACHE_LATENCY = "cache_latency", "Cache latency"
    ERROR_RATE = "error_rate", "Error rate"
    QUEUE_DEPTH = "queue_depth", "Queue depth"
    CPU_USAGE = "cpu_usage", "CPU usage"
    MEMORY_USAGE = "memory_usage", "Memory usage"
    DISK_FREE = "disk_free", "Free disk"
    SUCCESS_RATE = "success_rate", "Success rate"
    AVAILABILITY = "availability", "Availability"


class HealthStatus(models.TextChoices):
    # Declared from best to worst: the overall status is the worst one present.
    HEALTHY = "healthy", "Healthy"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"
    DOWN = "down", "Down"


class SystemHealthMetric(TimeStampedModel):
    """One health reading of a component, with the thresholds it was judged by."""

    health_type = models.CharField(max_length=32, choices=HealthType.choices)
    component = models.CharField(max_length=64)
    value = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=10, choices=HealthStatus.choices)
    warning_threshold = models.FloatField(null=True, blank=True)
    critical_threshold = models.FloatField(null=True, blank=True)
    # Latency, error rate, queue depth: higher is worse; free disk, success rate: lower.
    higher_is_worse = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)
    timestamp = models.DateTimeField()

    class Meta:
        ordering = ["-timestamp"]
        # Range-partitioned by month of `timestamp` on PostgreSQL (migration 0012).
        indexes = [
            # The raw readings list (ORDER BY timestamp DESC), report windows and
            # latest_readings' `timestamp IN (...)`.
            models.Index(fields=["timestamp"], name="health_timestamp_idx"),
            # An alert rule's latest reading and its replay: one (component, type)
            # up to a time, in time order. Also serves `?component=` lists.
            models.Index(
                fields=["component", "health_type", "timestamp"],
                name="health_check_time_idx",
            ),
            # Incidents of a report window (readings that are not healthy), a small
            # fraction of all readings.
            models.Index(
                fields=["timestamp"],
                condition=~Q(status=HealthStatus.HEALTHY),
                name="health_unhealthy_time_idx",
            ),
        ]

    def __str__(self):
        reading = f"{self.health_type}={self.value}{self.unit}"
        return f"{self.component} {reading} [{self.status}]"


class ReportType(models.TextChoices):
    DAILY_SUMMARY = "daily_summary", "Daily summary"
    WEEKLY_PERFORMANCE = "weekly_performance", "Weekly performance"
    MONTHLY_ANALYTICS = "monthly_analytics", "Monthly analytics"
    USER_ACTIVITY = "user_activity", "User activity"
    CUSTOM = "custom", "Custom"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    GENERATING = "generating", "Generating"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Report(TimeStampedModel):
    """A generated analytics report and its lifecycle."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report_type = models.CharField(max_length=32, choices=ReportType.choices)
    title = models.CharField(max_length=255)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    report_data = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    error = models.TextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    # The user a user-activity report is about (NULL for organisation reports).
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports_about",
    )
    generated_at = models.DateTimeField(null=True, blank=True)
    # What was asked for (type, period, scope, options), hashed: identical requests
    # share one report, and at most one of them is being built at a time.
    request_key = models.CharField(max_length=40, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"],
                condition=models.Q(status__in=["pending", "generating"])
                & ~models.Q(request_key=""),
                name="uniq_report_request_in_progress",
            )
        ]
        indexes = [
            models.Index(fields=["report_type", "period_start"]),
            models.Index(fields=["created_by", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self):
        return f"{self.title} [{self.status}]"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ReportDelivery(TimeStampedModel):
    """The ledger of report emails: one row per report type, period, scope and
    recipient.

    Its unique key is what makes scheduled delivery exactly-once: a retried or
    doubly-scheduled task finds the row already sent (or being sent) and skips it.
    The scope (whose data, e.g. `organisation`, `user:4`) is part of the key, so a
    different report for the same period still reaches the same recipient.
    """

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="deliveries"
    )
    report_type = models.CharField(max_length=32, choices=ReportType.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    scope_key = models.TextField(default="organisation")
    # An email address: encrypted at rest; found and kept unique by its keyed hash
    # (`recipient=...` filters compare the hashes).
    recipient = EncryptedTextField(validators=[validate_email])
    recipient_hash = BlindIndexField(source="recipient")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "report deliveries"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "report_type",
                    "period_start",
                    "period_end",
                    "scope_key",
                    "recipient_hash",
                ],
                name="uniq_report_delivery_scope",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.report_type} {self.period_start:%Y-%m-%d} to {self.recipient}"


# --- Alerting (issue 11): rules, one open alert per fingerprint, silences, events ---


class AlertRuleKind(models.TextChoices):
    HEALTH = "health", "Health threshold (latest reading of a component)"
    METRIC_THRESHOLD = "metric_threshold", "Metric above/below a threshold"
    METRIC_CHANGE = "metric_change", "Metric change against the previous window"
    ANOMALY = "anomaly", "Anomaly of a metric or component in the window"


class AlertSeverity(models.TextChoices):
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class Comparison(models.TextChoices):
    BELOW = "below", "Below"
    ABOVE = "above", "Above"


class AlertState(models.TextChoices):
    INACTIVE = "inactive", "Inactive"  # a pending alert that cleared before `for`
    PENDING = "pending", "Pending"
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


OPEN_ALERT_STATES = [AlertState.PENDING, AlertState.FIRING]


class AlertRule(TimeStampedModel):
    """A condition evaluated every minute; true for `for_seconds` makes it fire.

    A health rule reads the latest reading of a component and type and is true when
    its status reaches the rule's severity (down counts as critical). A metric rule
    computes a metric over the last `window_seconds` (scoped to a team or a user
    when given) and compares it, or its relative change against the window before,
    with `threshold` (-0.2 and "below": fell 20%).
    """

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=AlertRuleKind.choices)
    severity = models.CharField(
        max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.WARNING
    )
    component = models.CharField(max_length=64, blank=True)
    health_type = models.CharField(
        max_length=32, choices=HealthType.choices, blank=True
    )
    metric_type = models.CharField(
        max_length=50, choices=MetricType.choices, blank=True
    )
    comparison = models.CharField(
        max_length=5, choices=Comparison.choices, default=Comparison.BELOW
    )
    threshold = models.FloatField(null=True, blank=True)
    window_seconds = models.PositiveIntegerField(default=3600)
    for_seconds = models.PositiveIntegerField(default=300)
    labels = models.JSONField(default=dict, blank=True)
    # Scope of a metric rule: a team, a user, or (neither) the organisation.
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} [{self.severity}]"


class Alert(TimeStampedModel):
    """One alert of a rule's fingerprint, from pending to resolved (or inactive).

    Every change is a conditional UPDATE on `version`, so two overlapping runs
    cannot both move it (and both notify): the second one's update matches nothing.
    """

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    fingerprint = models.CharField(max_length=40)
    labels = models.JSONField(default=dict)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices)
    state = models.CharField(max_length=10, choices=AlertState.choices)
    value = models.FloatField(null=True, blank=True)
    since = models.DateTimeField()  # condition first seen true
    firing_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField()
    last_notified_at = models.DateTimeField(null=True, blank=True)
    # The state the last notification announced (firing or resolved).
    last_notified_state = models.CharField(max_length=10, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(state__in=OPEN_ALERT_STATES),
                name="uniq_open_alert_per_fingerprint",
            )
        ]
        indexes = [models.Index(fields=["state", "since"])]

    def __str__(self):
        return f"{self.rule.name} {self.state} since {self.since:%Y-%m-%d %H:%M}"


class Silence(TimeStampedModel):
    """A maintenance window: alerts whose labels match every matcher stay quiet."""

    matchers = models.JSONField(help_text='Label equalities, e.g. {"component": "db"}')
    reason = models.CharField(max_length=255)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.matchers} until {self.ends_at:%Y-%m-%d %H:%M}: {self.reason}"


class AlertEventKind(models.TextChoices):
    EVALUATION = "evaluation", "Evaluation"
    NOTIFICATION = "notification", "Notification attempt"


class AlertEvent(models.Model):
    """Every evaluation result and every notification attempt, for the record."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=12, choices=AlertEventKind.choices)
    timestamp = models.DateTimeField(db_index=True)
    # Evaluation: condition, value, state after it. Notification: channel, status.
    condition = models.BooleanField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    state = models.CharField(max_length=10, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=10, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["rule", "timestamp"])]

    def __str__(self):
        return (
            f"{self.kind} {self.rule_id} {self.state or self.status} {self.timestamp}"
        )


# --- Insights (issue 12): anomalies found by the periodic scan ----------------------


class SeriesKind(models.TextChoices):
    METRIC = "metric", "Metric (PerformanceMetric rows)"
    HEALTH = "health", "Health readings of a component and type"
    AVAILABILITY = "availability", "Availability of a component (1 up, 0 down)"
    ENGAGEMENT_VOLUME = "engagement_volume", "Engagement events per hour"


class SeriesGranularity(models.TextChoices):
    # The aggregation periods the insights read: enough points to learn from.
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"


class AnomalySeverity(models.TextChoices):
    # The values of AlertSeverity, so that an anomaly rule's severity reads as the
    # least severe anomaly it fires on.
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class Anomaly(TimeStampedModel):
    """One unusual point of a series, found by the scan (services.insights).

    A series is a metric at a granularity for the organisation, a team or a user,
    or a component's health readings, availability or the engagement volume (the
    organisation's). `scope_key` (`organisation`, `team:3`, `user:5`) repeats the
    scope without NULLs so that one unique key makes the scan idempotent: a point
    found again is not stored again. Figures only, no personal text.
    """

    series_kind = models.CharField(max_length=20, choices=SeriesKind.choices)
    metric_type = models.CharField(
        max_length=40, choices=MetricType.choices, blank=True
    )
    component = models.CharField(max_length=64, blank=True)
    health_type = models.CharField(
        max_length=32, choices=HealthType.choices, blank=True
    )
    # The period of a metric or engagement series (hourly, daily); blank for health.
    granularity = models.CharField(
        max_length=10, choices=SeriesGranularity.choices, blank=True
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="anomalies",
    )
    scope_key = models.CharField(max_length=40, default="organisation")
    # The point's instant: a period's start, or a reading's timestamp.
    timestamp = models.DateTimeField()
    observed = models.FloatField()
    expected = models.FloatField()
    score = models.FloatField()
    direction = models.CharField(max_length=4, choices=Direction.choices)
    severity = models.CharField(max_length=10, choices=AnomalySeverity.choices)

    class Meta:
        verbose_name_plural = "anomalies"
        ordering = ["-timestamp", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "series_kind",
                    "metric_type",
                    "component",
                    "health_type",
                    "granularity",
                    "scope_key",
                    "timestamp",
                ],
                name="uniq_anomaly_per_series_point",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="anomaly_score_0_1"
            ),
        ]
        indexes = [
            models.Index(fields=["timestamp"], name="anomaly_timestamp_idx"),
            models.Index(fields=["metric_type", "timestamp"]),
            models.Index(fields=["component", "timestamp"]),
            models.Index(fields=["user", "timestamp"]),
            models.Index(fields=["team", "timestamp"]),
            models.Index(fields=["severity", "timestamp"]),
        ]

    def __str__(self):
        series = self.metric_type or f"{self.component} {self.health_type}".strip()
        return (
            f"{series} {self.scope_key} {self.direction} "
            f"@ {self.timestamp:%Y-%m-%d %H:%M} [{self.severity}]"
        )
