"""Data extraction accuracy: accepted / reviewed, for fields reviewed in the period."""

from django.db.models import Count, Q, Sum

from apps.analytics.models import MetricType
from apps.analytics.selectors.base import (
    ORG,
    rate_result,
    ratio,
    rounded,
    scope_filter,
)
from apps.debriefings.models import ExtractedField, ReviewStatus

REVIEWED = [ReviewStatus.ACCEPTED, ReviewStatus.CORRECTED, ReviewStatus.REJECTED]


def _empty_counts() -> dict:
    return {
        "reviewed": 0,
        "accepted": 0,
        "corrected": 0,
        "rejected": 0,
        "confidence": 0.0,
    }


def _add(into: dict, row: dict) -> None:
    for key in into:
        into[key] += row[key] or 0


def _figures(counts: dict) -> dict:
    accuracy = ratio(counts["accepted"], counts["reviewed"])
    mean_confidence = ratio(counts["confidence"], counts["reviewed"])
    return {
        "accuracy": accuracy,
        "mean_confidence": mean_confidence,
        # Positive: the model is over-confident; negative: under-confident.
        "calibration": None if accuracy is None else mean_confidence - accuracy,
    }


def data_extraction_accuracy(start, end, user_ids=None) -> dict:
    """Return extraction accuracy per debriefing owner and for the scope (one query)."""
    reviewed = scope_filter(
        ExtractedField.objects.filter(
            review_status__in=REVIEWED, reviewed_at__gte=start, reviewed_at__lt=end
        ),
        "debriefing__owner_id",
        user_ids,
    )
    rows = (
        reviewed.order_by()
        .values("debriefing__owner_id", "field_name")
        .annotate(
            reviewed=Count("id"),
            accepted=Count("id", filter=Q(review_status=ReviewStatus.ACCEPTED)),
            corrected=Count("id", filter=Q(review_status=ReviewStatus.CORRECTED)),
            rejected=Count("id", filter=Q(review_status=ReviewStatus.REJECTED)),
            confidence=Sum("confidence"),
        )
    )
    totals: dict = {ORG: _empty_counts()}
    per_field: dict = {ORG: {}}
    for row in rows:
        user_id, name = row["debriefing__owner_id"], row["field_name"]
        for key in (user_id, ORG):
            _add(totals.setdefault(key, _empty_counts()), row)
            _add(per_field.setdefault(key, {}).setdefault(name, _empty_counts()), row)
    results = {}
    for user_id, counts in totals.items():
        figures = _figures(counts)
        fields = {}
        for name, field_counts in sorted(per_field[user_id].items()):
            field_figures = _figures(field_counts)
            fields[name] = {
                "reviewed": field_counts["reviewed"],
                "accepted": field_counts["accepted"],
                "accuracy": rounded(field_figures["accuracy"]),
                "mean_confidence": rounded(field_figures["mean_confidence"]),
            }
        results[user_id] = rate_result(
            MetricType.DATA_EXTRACTION_ACCURACY,
            start,
            end,
            user_id,
            counts["accepted"],
            counts["reviewed"],
            breakdown={
                "accepted": counts["accepted"],
                "corrected": counts["corrected"],
                "rejected": counts["rejected"],
                "mean_confidence": rounded(figures["mean_confidence"]),
                "calibration": rounded(figures["calibration"]),
                "by_field": fields,
            },
        )
    return results
