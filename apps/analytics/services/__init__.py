"""The analytics services: the spec's public classes and the collection pipeline."""

from apps.analytics.services.analytics import AnalyticsService
from apps.analytics.services.realtime import RealTimeAnalyticsCollector
from apps.analytics.services.reporting import ReportingService

__all__ = ["AnalyticsService", "RealTimeAnalyticsCollector", "ReportingService"]
