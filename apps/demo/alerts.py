"""Default alert rules of the demo, and its history replayed through them so that
the injected incidents show as resolved alerts."""

from datetime import datetime

from apps.analytics.models import (
    AlertRule,
    AlertRuleKind,
    AlertSeverity,
    Comparison,
    HealthType,
    MetricType,
)
from apps.analytics.services.alerting import replay_health_history


def _health(name, severity, component, health_type, for_seconds):
    return AlertRule(
        name=name,
        kind=AlertRuleKind.HEALTH,
        severity=severity,
        component=component,
        health_type=health_type,
        for_seconds=for_seconds,
        labels={"source": "demo"},
    )


def default_rules() -> list[AlertRule]:
    """A few sensible rules: slow or unreachable components, falling figures."""
    critical, warning = AlertSeverity.CRITICAL, AlertSeverity.WARNING
    latency = HealthType.API_RESPONSE_TIME
    return [
        _health("Gemini API slow", critical, "gemini_api", latency, 600),
        _health("Gemini API slower than usual", warning, "gemini_api", latency, 3600),
        _health("API slow", critical, "api", latency, 600),
        _health(
            "Database slow", critical, "database", HealthType.DATABASE_LATENCY, 600
        ),
        # Held for two hourly readings: one bad hour of a few attempts is noise.
        _health(
            "CRM sync failing", critical, "crm_sync", HealthType.SUCCESS_RATE, 3600
        ),
        # Down means unreachable: no waiting.
        _health("Cache unreachable", critical, "cache", HealthType.CACHE_LATENCY, 0),
        AlertRule(
            name="CRM sync success below 75% over a day",
            kind=AlertRuleKind.METRIC_THRESHOLD,
            severity=warning,
            metric_type=MetricType.CRM_SYNC_SUCCESS,
            comparison=Comparison.BELOW,
            threshold=0.75,
            window_seconds=24 * 3600,
            for_seconds=3600,
            labels={"source": "demo"},
        ),
        AlertRule(
            name="Debriefing completion fell 20% week over week",
            kind=AlertRuleKind.METRIC_CHANGE,
            severity=warning,
            metric_type=MetricType.DEBRIEFING_COMPLETION,
            comparison=Comparison.BELOW,
            threshold=-0.2,
            window_seconds=7 * 24 * 3600,
            for_seconds=3600,
            labels={"source": "demo"},
        ),
    ]


def create_alert_rules(start: datetime, end: datetime) -> list[AlertRule]:
    """Add the default rules missing by name and replay the health history."""
    wanted = default_rules()
    existing = set(
        AlertRule.objects.filter(name__in=[r.name for r in wanted]).values_list(
            "name", flat=True
        )
    )
    rules = AlertRule.objects.bulk_create(
        [rule for rule in wanted if rule.name not in existing]
    )
    replay_health_history(rules, start=start, end=end)
    return rules


def delete_alert_rules() -> None:
    """Delete the demo's default rules, with their alerts and events."""
    AlertRule.objects.filter(name__in=[r.name for r in default_rules()]).delete()
