"""Metric figures for one window and scope, in the order and words every view uses."""

from apps.analytics.models import MetricType
from apps.analytics.selectors import METRIC_SELECTORS, ORG, competitive_intelligence

# (metric type, label, format) in the order reports and the dashboard show them.
METRICS = [
    (MetricType.DEBRIEFING_COMPLETION, "Debriefing completion", "percent"),
    (MetricType.DATA_EXTRACTION_ACCURACY, "Data extraction accuracy", "percent"),
    (MetricType.MEETING_DETECTION_ACCURACY, "Meeting detection accuracy", "percent"),
    (
        MetricType.PARTICIPANT_MATCHING_ACCURACY,
        "Participant matching accuracy",
        "percent",
    ),
    (MetricType.CRM_SYNC_SUCCESS, "CRM sync success", "percent"),
    (MetricType.USER_ENGAGEMENT, "Active users", "count"),
]
LABELS = {metric: label for metric, label, _ in METRICS}
FORMATS = {metric: fmt for metric, _, fmt in METRICS}


def by_user(metric_type, start, end, user_ids) -> dict:
    """Return {user_id: MetricResult, ORG: total} of some users (None: everyone)."""
    ids = None if user_ids is None else list(user_ids)
    return METRIC_SELECTORS[metric_type](start, end, ids)


def snapshot(metric_type, start, end, user_ids) -> dict:
    """Compute one metric for a window and the users of a scope (None: everyone)."""
    return as_snapshot(metric_type, by_user(metric_type, start, end, user_ids)[ORG])


def as_snapshot(metric_type, result) -> dict:
    """Return the snapshot of one scope's MetricResult."""
    return {
        "metric_type": metric_type,
        "label": LABELS[metric_type],
        "format": FORMATS[metric_type],
        "value": result.value,
        "numerator": result.numerator,
        "denominator": result.denominator,
        "sample_size": result.sample_size,
        "breakdown": result.breakdown,
    }


def change(current, previous):
    """Return current - previous, or None when either is undefined."""
    if current is None or previous is None:
        return None
    return current - previous


def competition(start, end, user_ids) -> dict:
    """Return the competitive insights of a window for some users (None: everyone)."""
    return competitive_intelligence(
        start, end, None if user_ids is None else list(user_ids)
    )
