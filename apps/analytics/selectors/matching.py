"""Participant matching: confirmed / reviewed matches, and the period's match rate."""

from django.db.models import Count, Q, Sum

from apps.analytics.models import MetricType
from apps.analytics.selectors.base import (
    ORG,
    rate_result,
    ratio,
    rounded,
    scope_filter,
    sum_groups,
)
from apps.crm.models import MatchStatus, ParticipantMatch
from apps.meetings.models import MeetingParticipant

REVIEWED = [MatchStatus.CONFIRMED, MatchStatus.REJECTED, MatchStatus.CORRECTED]
MATCHED = [MatchStatus.AUTO_MATCHED, MatchStatus.CONFIRMED, MatchStatus.CORRECTED]
REVIEW_COUNTS = ["reviewed", "confirmed", "rejected", "corrected", "confidence"]
RATE_COUNTS = ["participants", "matched"]


def participant_matching_accuracy(start, end, user_ids=None) -> dict:
    """Return matching accuracy and match rate per meeting owner and for the scope."""
    owner = "participant__meeting__owner_id"
    reviews = {
        row.pop(owner): row
        for row in scope_filter(
            ParticipantMatch.objects.filter(
                status__in=REVIEWED, reviewed_at__gte=start, reviewed_at__lt=end
            ),
            owner,
            user_ids,
        )
        .order_by()
        .values(owner)
        .annotate(
            reviewed=Count("id"),
            confirmed=Count("id", filter=Q(status=MatchStatus.CONFIRMED)),
            rejected=Count("id", filter=Q(status=MatchStatus.REJECTED)),
            corrected=Count("id", filter=Q(status=MatchStatus.CORRECTED)),
            confidence=Sum("match_confidence"),
        )
    }
    # Match rate: external participants of meetings that ended in the period; one with
    # no match row yet counts as not matched.
    rates = {
        row.pop("meeting__owner_id"): row
        for row in scope_filter(
            MeetingParticipant.objects.filter(
                is_external=True,
                meeting__end_time__gte=start,
                meeting__end_time__lt=end,
            ),
            "meeting__owner_id",
            user_ids,
        )
        .order_by()
        .values("meeting__owner_id")
        .annotate(
            participants=Count("id"),
            matched=Count("id", filter=Q(match__status__in=MATCHED)),
        )
    }
    reviews[ORG] = sum_groups(reviews, REVIEW_COUNTS)
    rates[ORG] = sum_groups(rates, RATE_COUNTS)
    results = {}
    for user_id in reviews.keys() | rates.keys():
        review = reviews.get(user_id) or dict.fromkeys(REVIEW_COUNTS, 0)
        rate = rates.get(user_id) or dict.fromkeys(RATE_COUNTS, 0)
        results[user_id] = rate_result(
            MetricType.PARTICIPANT_MATCHING_ACCURACY,
            start,
            end,
            user_id,
            review["confirmed"],
            review["reviewed"],
            breakdown={
                "confirmed": review["confirmed"],
                "rejected": review["rejected"],
                "corrected": review["corrected"],
                "mean_confidence": rounded(
                    ratio(review["confidence"], review["reviewed"])
                ),
                "participants": rate["participants"],
                "matched": rate["matched"],
                "match_rate": rounded(ratio(rate["matched"], rate["participants"])),
            },
        )
    return results
