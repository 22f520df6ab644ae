"""`/metrics`: the Prometheus exposition of this deployment.

Counters and histograms come from prometheus-client: summed over every process's
files in PROMETHEUS_MULTIPROC_DIR when it is set (gunicorn and Celery workers),
from this process's registry otherwise. Health readings are read from the
database at scrape time, so every process shows the same figures.

Access: a scraper presenting `Authorization: Bearer <METRICS_TOKEN>` or calling
from METRICS_ALLOWED_IPS, or a user whose scope allows the raw system health
(admins), by their API token or session.
"""

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from rest_framework import permissions

from apps.accounts.scope import Permission, Scope
from apps.analytics.health_rules import SEVERITY
from apps.analytics.models import AlertState
from apps.analytics.observability import CACHE_FAILURES
from apps.analytics.selectors.alerts import open_alerts
from apps.analytics.selectors.health import current_readings
from apps.core.scoping import HasScopePermission, ScopedAPIView

logger = logging.getLogger(__name__)
# The classic text format: what Debian's Prometheus 2.x and promtool read, and
# every name here is a legacy one, so nothing needs 1.0.0's escaping.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def presents_scraper_token(request) -> bool:
    """Whether the request carries `Authorization: Bearer <METRICS_TOKEN>`."""
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, given = header.partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and (hmac.compare_digest(given.strip().encode(), token.encode()))
    )


def from_allowed_ip(request) -> bool:
    """Whether the peer address (not a forwarded header) is in METRICS_ALLOWED_IPS."""
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        peer in ipaddress.ip_network(entry, strict=False)
        for entry in settings.METRICS_ALLOWED_IPS
    )


class ScraperOrScopePermission(permissions.BasePermission):
    """Let a configured scraper in; anyone else needs the view's permission."""

    def has_permission(self, request, view):
        if presents_scraper_token(request) or from_allowed_ip(request):
            return True
        return HasScopePermission().has_permission(request, view)


class HealthReadingsCollector:
    """Yield the latest health readings as gauges, read at scrape time."""

    def collect(self):
        value = GaugeMetricFamily(
            "analytics_health_value",
            "Latest system health reading (unit as the reading's; none when down).",
            labels=["component", "health_type"],
        )
        status = GaugeMetricFamily(
            "analytics_health_status",
            "Latest health status: 0 healthy, 1 warning, 2 critical, 3 down.",
            labels=["component", "health_type"],
        )
        taken = GaugeMetricFamily(
            "analytics_health_timestamp_seconds",
            "When the latest health reading was taken (Unix time).",
            labels=["component", "health_type"],
        )
        try:
            readings = current_readings()
        except Exception as exc:  # the counters are still worth serving
            CACHE_FAILURES.labels(operation="metrics_health").inc()
            logger.warning("Reading health for /metrics failed: %s", exc)
            readings = []
        for reading in readings:
            labels = [reading.component, reading.health_type]
            if reading.value is not None:
                value.add_metric(labels, reading.value)
            status.add_metric(labels, SEVERITY.index(reading.status))
            taken.add_metric(labels, reading.timestamp.timestamp())
        yield from (value, status, taken)


class AlertStatesCollector:
    """Yield each open alert as a gauge (1 firing, 0 pending), read at scrape time,
    so every process serves the same states."""

    def collect(self):
        alerts = GaugeMetricFamily(
            "analytics_alert_firing",
            "Open alerts: 1 when firing, 0 while pending.",
            labels=["alertname", "severity", "component", "state"],
        )
        try:
            rows = open_alerts(Scope.system())
        except Exception as exc:  # the counters are still worth serving
            CACHE_FAILURES.labels(operation="metrics_alerts").inc()
            logger.warning("Reading alerts for /metrics failed: %s", exc)
            rows = []
        for alert in rows:
            labels = [
                alert["rule"],
                alert["severity"],
                str(alert["labels"].get("component", "")),
                alert["state"],
            ]
            alerts.add_metric(labels, 1 if alert["state"] == AlertState.FIRING else 0)
        yield alerts


def exposition() -> bytes:
    """Return the exposition text: process metrics, then health and alert gauges."""
    health = CollectorRegistry(auto_describe=False)
    health.register(HealthReadingsCollector())
    health.register(AlertStatesCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        summed = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(summed)
        return generate_latest(summed) + generate_latest(health)
    return generate_latest(REGISTRY) + generate_latest(health)


class MetricsView(ScopedAPIView):
    """Serve the Prometheus text exposition."""

    permission_classes = [ScraperOrScopePermission]
    required_permission = Permission.RAW_SYSTEM_HEALTH
    scope_user_field = None

    @extend_schema(exclude=True)  # text for Prometheus, not part of the JSON API
    def get(self, request):
        return HttpResponse(exposition(), content_type=CONTENT_TYPE)
