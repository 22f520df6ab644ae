"""Meeting detection accuracy: correct / confirmed, by when the type was confirmed."""

from django.db.models import Count, Sum

from apps.analytics.models import MetricType
from apps.analytics.selectors.base import (
    ORG,
    rate_result,
    ratio,
    rounded,
    scope_filter,
)
from apps.meetings.models import Meeting, MeetingType

TYPES = [choice.value for choice in MeetingType]
POSITIVE = MeetingType.SALES  # The class precision, recall and F1 are reported for.


def _empty() -> dict:
    return {
        "matrix": {detected: dict.fromkeys(TYPES, 0) for detected in TYPES},
        "confidence": 0.0,
    }


def _classification(matrix: dict) -> dict:
    """Return precision, recall and F1 of the sales class from a confusion matrix."""
    true_pos = matrix[POSITIVE][POSITIVE]
    predicted = sum(matrix[POSITIVE].values())
    actual = sum(row[POSITIVE] for row in matrix.values())
    precision, recall = ratio(true_pos, predicted), ratio(true_pos, actual)
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = ratio(2 * precision * recall, precision + recall) or 0.0
    return {
        "precision": rounded(precision),
        "recall": rounded(recall),
        "f1": rounded(f1),
    }


def meeting_detection_accuracy(start, end, user_ids=None) -> dict:
    """Return detection accuracy per meeting owner and for the scope (one query)."""
    confirmed = scope_filter(
        Meeting.objects.filter(
            confirmed_type__isnull=False, confirmed_at__gte=start, confirmed_at__lt=end
        ),
        "owner_id",
        user_ids,
    )
    rows = (
        confirmed.order_by()
        .values("owner_id", "detected_type", "confirmed_type")
        .annotate(n=Count("id"), confidence=Sum("detection_confidence"))
    )
    scopes: dict = {ORG: _empty()}
    for row in rows:
        for key in (row["owner_id"], ORG):
            scope = scopes.setdefault(key, _empty())
            scope["matrix"][row["detected_type"]][row["confirmed_type"]] += row["n"]
            scope["confidence"] += row["confidence"] or 0
    results = {}
    for user_id, scope in scopes.items():
        matrix = scope["matrix"]
        total = sum(sum(row.values()) for row in matrix.values())
        correct = sum(matrix[kind][kind] for kind in TYPES)
        results[user_id] = rate_result(
            MetricType.MEETING_DETECTION_ACCURACY,
            start,
            end,
            user_id,
            correct,
            total,
            breakdown={
                # Rows are the detected type, columns the type the rep confirmed.
                "confusion_matrix": matrix,
                "mean_confidence": rounded(ratio(scope["confidence"], total)),
                POSITIVE.value: _classification(matrix),
            },
        )
    return results
