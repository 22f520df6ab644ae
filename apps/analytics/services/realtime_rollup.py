"""Folding real-time minute buckets into hourly user_engagement rows."""

import logging

from apps.analytics.cache import RealTimeAnalyticsCache
from apps.analytics.models import MetricType, UserEngagementMetric
from apps.analytics.periods import Period
from apps.analytics.selectors import METRIC_SELECTORS
from apps.analytics.selectors.engagement import engagement_results
from apps.analytics.services.collection import store_period

logger = logging.getLogger(__name__)


def fold_real_time_hour(period: Period) -> dict:
    """Store the hour's engagement rows from the live counters.

    One indexed COUNT checks the fold against the stored events; where they differ
    (the store was down for a while, or events were back-filled), the hour is
    computed from the database instead, so the rows always agree exactly with what
    collect_analytics computes.
    """
    try:
        tallies = RealTimeAnalyticsCache.fold(period.start, period.end)
    except Exception:  # the store is down: the database has every event
        tallies = None
    stored = UserEngagementMetric.objects.filter(
        timestamp__gte=period.start, timestamp__lt=period.end
    ).count()
    folded = sum(t.events for t in tallies.values()) if tallies is not None else None
    if folded == stored:
        source = "real-time"
        per_user = {
            user_id: {
                "events": tally.events,
                "sessions": len(tally.sessions),
                "duration": tally.seconds,
                "by_type": dict(tally.by_type),
            }
            for user_id, tally in tallies.items()
        }
        results = engagement_results(period.start, period.end, per_user, None)
    else:
        source = "database"
        logger.warning(
            "Real-time buckets of %s hold %s events, the database %d: using it",
            period.label,
            folded,
            stored,
        )
        results = METRIC_SELECTORS[MetricType.USER_ENGAGEMENT](period.start, period.end)
    written, removed, _ = store_period(period, {MetricType.USER_ENGAGEMENT: results})
    return {
        "hour": period.label,
        "source": source,
        "events": stored,
        "rows_written": written,
        "rows_removed": removed,
    }
