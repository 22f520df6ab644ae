"""The dashboard's headline figures over rolling windows, from the daily rollups.

A dashboard window is [now - N local days, now): without this, every cold
dashboard computed its six figures from the source tables for this and the
previous window, so its cost grew with the data. Here the whole local days that
`collect_analytics` stored as final (the organisation's daily engagement row
exists and is not partial, as in selectors.rollups) are read from their daily
`PerformanceMetric` rows; only the rest (the partial first and last days, any day
never collected) is counted from source rows, over an index range of the metric's
time field.

The five rates add up over days: each source row belongs to one day by one time
field (a meeting's end, a review, a confirmation, a sync attempt), so a window's
numerator and denominator are the sums of its days' and the value is recombined
from them, never an average of daily rates. The raw rest counts only what the
headline shows (numerator, denominator), with the same filters as the metric's
selector. Engagement, which does not add up per day, is
selectors.engagement_window. The number of queries never depends on the data.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from apps.analytics.models import AggregationPeriod, MetricType, PerformanceMetric
from apps.analytics.selectors import extraction, matching
from apps.analytics.selectors.base import ratio, scope_filter
from apps.analytics.selectors.engagement_window import (
    in_ranges,
    outside,
    whole_days,
    windows_engagement,
)
from apps.analytics.selectors.snapshots import FORMATS, LABELS, as_snapshot
from apps.crm.models import CRMSyncLog, MatchStatus, ParticipantMatch, SyncStatus
from apps.debriefings.models import Debriefing, DebriefingStatus, ExtractedField
from apps.debriefings.models import ReviewStatus as FieldReview
from apps.meetings.models import Meeting

ENGAGEMENT = MetricType.USER_ENGAGEMENT
Window = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class RateSource:
    """Where a rate's source rows are: what it counts, by which time and owner."""

    rows: Callable[[], QuerySet]  # the rows of the denominator
    time_field: str
    user_field: str
    success: Q  # the rows of the numerator among them

    def queryset(self) -> QuerySet:
        return self.rows().order_by()


# The same filters as each metric's selector (selectors/<metric>.py); a test
# compares both on hand-built data.
RATES = {
    MetricType.DEBRIEFING_COMPLETION: RateSource(
        lambda: Debriefing.objects.filter(meeting__requires_debriefing=True),
        "meeting__end_time",
        "owner_id",
        Q(status=DebriefingStatus.COMPLETED),
    ),
    MetricType.DATA_EXTRACTION_ACCURACY: RateSource(
        lambda: ExtractedField.objects.filter(review_status__in=extraction.REVIEWED),
        "reviewed_at",
        "debriefing__owner_id",
        Q(review_status=FieldReview.ACCEPTED),
    ),
    MetricType.MEETING_DETECTION_ACCURACY: RateSource(
        lambda: Meeting.objects.filter(confirmed_type__isnull=False),
        "confirmed_at",
        "owner_id",
        Q(detected_type=F("confirmed_type")),
    ),
    MetricType.PARTICIPANT_MATCHING_ACCURACY: RateSource(
        lambda: ParticipantMatch.objects.filter(status__in=matching.REVIEWED),
        "reviewed_at",
        "participant__meeting__owner_id",
        Q(status=MatchStatus.CONFIRMED),
    ),
    MetricType.CRM_SYNC_SUCCESS: RateSource(
        lambda: CRMSyncLog.objects.all(),
        "attempted_at",
        "user_id",
        Q(status=SyncStatus.SUCCESS),
    ),
}


def headline_snapshots(windows: list[Window], user_ids) -> list[dict]:
    """Return, per window, {metric: snapshot} of the six headline metrics.

    One query reads the stored days of every window, one per rate counts the raw
    rest of every window; engagement reads its own (engagement_window).
    """
    if not windows:
        return []
    wholes = [whole_days(start, end) for start, end in windows]
    final, stored = _stored_counts(sorted({d for ds in wholes for d in ds}), user_ids)
    days = [[day for day in whole if day in final] for whole in wholes]
    rests = [
        outside(start, end, mine)
        for (start, end), mine in zip(windows, days, strict=True)
    ]
    raw = {
        metric: _raw_counts(source, rests, user_ids) for metric, source in RATES.items()
    }
    engagement = windows_engagement(windows, user_ids)
    answer = []
    for index, mine in enumerate(days):
        figures = {}
        for metric in RATES:
            numerator, denominator = raw[metric][index]
            for day in mine:
                numerator += stored[metric, day][0]
                denominator += stored[metric, day][1]
            figures[metric] = _rate_snapshot(metric, numerator, denominator)
        figures[ENGAGEMENT] = as_snapshot(ENGAGEMENT, engagement[index])
        answer.append(figures)
    return answer


def _rate_snapshot(metric, numerator, denominator) -> dict:
    """Return a rate's snapshot as snapshots.snapshot shapes it (no breakdown)."""
    return {
        "metric_type": metric,
        "label": LABELS[metric],
        "format": FORMATS[metric],
        "value": ratio(numerator, denominator),
        "numerator": numerator,
        "denominator": denominator,
        "sample_size": denominator,
        "breakdown": None,
    }


def _stored_counts(starts: list[dt.datetime], user_ids) -> tuple[set, dict]:
    """Return the final day starts among `starts` and each rate's counts there.

    The organisation's rows for everyone (they include what no user owns, such
    as a sync attempt without a user), else the scope's users' rows added up.
    """
    counts: dict = defaultdict(lambda: [0, 0])
    if not starts:
        return set(), counts
    rows = PerformanceMetric.objects.filter(
        aggregation_period=AggregationPeriod.DAILY, period_start__in=starts
    )
    marker = Q(user__isnull=True, metric_type=ENGAGEMENT)
    mine = Q(user__isnull=True) if user_ids is None else Q(user_id__in=user_ids)
    rows = rows.filter(marker | (mine & Q(metric_type__in=list(RATES))))
    final = set()
    for metric, start, user_id, metadata in rows.values_list(
        "metric_type", "period_start", "user_id", "metadata"
    ):
        if metric == ENGAGEMENT:
            if not metadata.get("partial"):
                final.add(start)
            continue
        if (user_id is None) != (user_ids is None):
            continue
        tally = counts[metric, start]
        tally[0] += metadata.get("numerator", 0)
        tally[1] += metadata.get("denominator", 0)
    return final, counts


def _raw_counts(source: RateSource, rests: list[list[Window]], user_ids) -> list:
    """Return [(numerator, denominator)] per window of a rate's raw rest (one query)."""
    field = source.time_field
    within = [in_ranges(field, parts) for parts in rests]
    rows = scope_filter(source.queryset(), source.user_field, user_ids)
    everywhere = Q()
    for condition in within:
        everywhere |= condition
    totals = rows.filter(everywhere).aggregate(
        **{
            f"d{i}": Count("pk", filter=condition) for i, condition in enumerate(within)
        },
        **{
            f"n{i}": Count("pk", filter=condition & source.success)
            for i, condition in enumerate(within)
        },
    )
    return [(totals[f"n{i}"], totals[f"d{i}"]) for i in range(len(rests))]
