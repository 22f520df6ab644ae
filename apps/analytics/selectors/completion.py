"""Debriefing completion: completed / due, by when the meeting ended."""

import datetime as dt

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

from apps.analytics.models import MetricType
from apps.analytics.selectors.base import (
    ORG,
    percentiles,
    rate_result,
    rounded,
    scope_filter,
    sum_groups,
)
from apps.debriefings.models import Debriefing, DebriefingStatus

# A debriefing not done this long after its meeting ended is overdue (metrics.md).
OVERDUE_AFTER = dt.timedelta(hours=48)
COUNTS = ["due", "completed", "skipped", "overdue"]


def debriefing_completion(start, end, user_ids=None) -> dict:
    """Return completion per owner and for the scope (meetings ending in the period)."""
    due = scope_filter(
        Debriefing.objects.filter(
            meeting__requires_debriefing=True,
            meeting__end_time__gte=start,
            meeting__end_time__lt=end,
        ),
        "owner_id",
        user_ids,
    )
    # Overdue "as of the period's end": not done by then, ended more than 48 h before.
    not_done_at_end = ~Q(
        status__in=[DebriefingStatus.COMPLETED, DebriefingStatus.SKIPPED]
    ) | Q(status=DebriefingStatus.COMPLETED, completed_at__gt=end)
    groups = {
        row.pop("owner_id"): row
        for row in due.order_by()
        .values("owner_id")
        .annotate(
            due=Count("id"),
            completed=Count("id", filter=Q(status=DebriefingStatus.COMPLETED)),
            skipped=Count("id", filter=Q(status=DebriefingStatus.SKIPPED)),
            overdue=Count(
                "id",
                filter=not_done_at_end & Q(meeting__end_time__lt=end - OVERDUE_AFTER),
            ),
        )
    }
    delay = ExpressionWrapper(
        F("completed_at") - F("meeting__end_time"), output_field=DurationField()
    )
    medians = percentiles(
        due.filter(status=DebriefingStatus.COMPLETED, completed_at__isnull=False),
        delay,
        [0.5],
        "owner_id",
        duration=True,
    )
    groups[ORG] = sum_groups(groups, COUNTS)
    results = {}
    for user_id, counts in groups.items():
        median_seconds = medians.get(user_id, [None])[0]
        results[user_id] = rate_result(
            MetricType.DEBRIEFING_COMPLETION,
            start,
            end,
            user_id,
            counts["completed"],
            counts["due"],
            breakdown={
                "completed": counts["completed"],
                "skipped": counts["skipped"],
                "overdue": counts["overdue"],
                "pending": counts["due"] - counts["completed"] - counts["skipped"],
                "median_minutes_to_complete": rounded(
                    None if median_seconds is None else median_seconds / 60, 2
                ),
            },
        )
    return results
