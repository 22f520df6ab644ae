"""Reads: each metric of metrics.md computed from the source apps, set-based."""

from apps.analytics.models import MetricType
from apps.analytics.selectors.base import ORG, MetricResult
from apps.analytics.selectors.competition import competitive_intelligence
from apps.analytics.selectors.completion import debriefing_completion
from apps.analytics.selectors.crm_sync import crm_sync_success
from apps.analytics.selectors.detection import meeting_detection_accuracy
from apps.analytics.selectors.engagement import user_engagement
from apps.analytics.selectors.extraction import data_extraction_accuracy
from apps.analytics.selectors.matching import participant_matching_accuracy

# Each takes (start, end, user_ids=None) and answers {user_id: MetricResult, ORG: ...}.
METRIC_SELECTORS = {
    MetricType.DEBRIEFING_COMPLETION: debriefing_completion,
    MetricType.DATA_EXTRACTION_ACCURACY: data_extraction_accuracy,
    MetricType.MEETING_DETECTION_ACCURACY: meeting_detection_accuracy,
    MetricType.PARTICIPANT_MATCHING_ACCURACY: participant_matching_accuracy,
    MetricType.CRM_SYNC_SUCCESS: crm_sync_success,
    MetricType.USER_ENGAGEMENT: user_engagement,
}

__all__ = [
    "METRIC_SELECTORS",
    "ORG",
    "MetricResult",
    "competitive_intelligence",
]
