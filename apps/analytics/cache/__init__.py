"""The caching system: AnalyticsCache, its decorator, RealTimeAnalyticsCache."""

from apps.analytics.cache.analytics import AnalyticsCache
from apps.analytics.cache.decorators import cache_analytics_result
from apps.analytics.cache.realtime import RealTimeAnalyticsCache

__all__ = ["AnalyticsCache", "RealTimeAnalyticsCache", "cache_analytics_result"]
