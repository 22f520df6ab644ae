"""AnalyticsService: the spec's metric calculations for any period and scope."""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from apps.analytics.models import MetricType
from apps.analytics.periods import as_instant, shift_local_days
from apps.analytics.selectors import (
    METRIC_SELECTORS,
    ORG,
    MetricResult,
    competitive_intelligence,
)

DEFAULT_DAYS = 7


def resolve_window(start=None, end=None) -> tuple[dt.datetime, dt.datetime]:
    """Return an aware [start, end) window; the default is the last 7 local days."""
    end = timezone.now() if end is None else as_instant(end, "end")
    if start is None:
        start = shift_local_days(end, -DEFAULT_DAYS)
    else:
        start = as_instant(start, "start")
    if start >= end:
        raise ValueError("start must be before end")
    # In UTC: arithmetic on two times of one local zone would follow the wall clock.
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def user_ids_of(user=None, users: Iterable | None = None) -> list[int] | None:
    """Turn a user, or some users (instances or ids), into ids; None means everyone."""
    if user is not None:
        return [getattr(user, "pk", user)]
    if users is not None:
        return [getattr(u, "pk", u) for u in users]
    return None


class AnalyticsService:
    """Compute the metrics of metrics.md over a period for a user, users or everyone.

    Every method takes `start`/`end` (default: the last 7 days) and `user` or
    `users` (default: the whole organisation), and returns a `MetricResult` whose
    `value` is None where the figure is undefined.
    """

    def calculate(self, metric_type, start=None, end=None, *, user=None, users=None):
        """Compute one metric for one scope."""
        start, end = resolve_window(start, end)
        user_ids = user_ids_of(user, users)
        result: MetricResult = METRIC_SELECTORS[metric_type](start, end, user_ids)[ORG]
        if user is not None:
            result.user_id = user_ids[0]
        return result

    def calculate_by_user(self, metric_type, start=None, end=None, *, users=None):
        """Compute one metric for each user at once: {user_id: result, None: total}."""
        start, end = resolve_window(start, end)
        return METRIC_SELECTORS[metric_type](start, end, user_ids_of(users=users))

    def calculate_debriefing_completion_rate(self, start=None, end=None, **scope):
        """Completed / due debriefings of meetings that ended in the period."""
        return self.calculate(MetricType.DEBRIEFING_COMPLETION, start, end, **scope)

    def calculate_data_extraction_accuracy(self, start=None, end=None, **scope):
        """Accepted / reviewed extracted fields reviewed in the period."""
        return self.calculate(MetricType.DATA_EXTRACTION_ACCURACY, start, end, **scope)

    def calculate_meeting_detection_accuracy(self, start=None, end=None, **scope):
        """Correct / confirmed meeting types confirmed in the period."""
        return self.calculate(
            MetricType.MEETING_DETECTION_ACCURACY, start, end, **scope
        )

    def calculate_participant_matching_accuracy(self, start=None, end=None, **scope):
        """Confirmed / reviewed participant matches reviewed in the period."""
        return self.calculate(
            MetricType.PARTICIPANT_MATCHING_ACCURACY, start, end, **scope
        )

    def calculate_crm_sync_success_rate(self, start=None, end=None, **scope):
        """Successful / all CRM sync attempts in the period."""
        return self.calculate(MetricType.CRM_SYNC_SUCCESS, start, end, **scope)

    def calculate_user_engagement_metrics(self, start=None, end=None, **scope):
        """Distinct active users in the period, with events, sessions and stickiness."""
        return self.calculate(MetricType.USER_ENGAGEMENT, start, end, **scope)

    def get_competitive_intelligence_insights(
        self, start=None, end=None, *, user=None, users=None
    ) -> dict:
        """Mentions, share of voice, sentiment and risers against the period before."""
        start, end = resolve_window(start, end)
        return competitive_intelligence(start, end, user_ids_of(user, users))
