"""CRM sync success: successful / all attempts in the period."""

from django.db.models import Count, Sum

from apps.analytics.models import MetricType
from apps.analytics.selectors.base import (
    ORG,
    percentiles,
    rate_result,
    ratio,
    rounded,
    scope_filter,
)
from apps.crm.models import CRMSyncLog, SyncStatus

TOP_ERRORS = 5


def _tally() -> dict:
    return {"attempts": 0, "success": 0, "timed": 0, "duration_ms": 0}


def _rates(tallies: dict) -> dict:
    return {
        key: {
            "attempts": tally["attempts"],
            "success": tally["success"],
            "success_rate": rounded(ratio(tally["success"], tally["attempts"])),
        }
        for key, tally in sorted(tallies.items())
    }


def crm_sync_success(start, end, user_ids=None) -> dict:
    """Return sync success per user and for the scope.

    Attempts with no user count only in the organisation's figure.
    """
    attempts = scope_filter(
        CRMSyncLog.objects.filter(attempted_at__gte=start, attempted_at__lt=end),
        "user_id",
        user_ids,
    ).order_by()
    rows = attempts.values("user_id", "direction", "provider", "status").annotate(
        n=Count("id"), timed=Count("duration_ms"), duration_ms=Sum("duration_ms")
    )
    scopes: dict = {
        ORG: {"all": _tally(), "status": {}, "direction": {}, "provider": {}}
    }
    for row in rows:
        keys = {row["user_id"], ORG} if row["user_id"] is not None else {ORG}
        for key in keys:
            scope = scopes.setdefault(
                key, {"all": _tally(), "status": {}, "direction": {}, "provider": {}}
            )
            for bucket in (
                scope["all"],
                scope["direction"].setdefault(row["direction"], _tally()),
                scope["provider"].setdefault(row["provider"], _tally()),
            ):
                bucket["attempts"] += row["n"]
                bucket["success"] += (
                    row["n"] if row["status"] == SyncStatus.SUCCESS else 0
                )
                bucket["timed"] += row["timed"]
                bucket["duration_ms"] += row["duration_ms"] or 0
            scope["status"][row["status"]] = (
                scope["status"].get(row["status"], 0) + row["n"]
            )

    errors: dict = {}
    error_rows = (
        attempts.exclude(status=SyncStatus.SUCCESS)
        .exclude(error="")
        .values("user_id", "error")
        .annotate(n=Count("id"))
    )
    for row in error_rows:
        keys = {row["user_id"], ORG} if row["user_id"] is not None else {ORG}
        for key in keys:
            bucket = errors.setdefault(key, {})
            bucket[row["error"]] = bucket.get(row["error"], 0) + row["n"]
    p95 = percentiles(
        attempts.filter(duration_ms__isnull=False), "duration_ms", [0.95], "user_id"
    )

    results = {}
    for user_id, scope in scopes.items():
        tally = scope["all"]
        top = sorted(
            errors.get(user_id, {}).items(), key=lambda item: (-item[1], item[0])
        )
        results[user_id] = rate_result(
            MetricType.CRM_SYNC_SUCCESS,
            start,
            end,
            user_id,
            tally["success"],
            tally["attempts"],
            breakdown={
                "failed": scope["status"].get(SyncStatus.FAILED, 0),
                "conflict": scope["status"].get(SyncStatus.CONFLICT, 0),
                "by_direction": _rates(scope["direction"]),
                "by_provider": _rates(scope["provider"]),
                "mean_duration_ms": rounded(
                    ratio(tally["duration_ms"], tally["timed"]), 1
                ),
                "p95_duration_ms": rounded(p95.get(user_id, [None])[0], 1),
                "top_errors": [
                    {"error": message, "count": count}
                    for message, count in top[:TOP_ERRORS]
                ],
            },
        )
    return results
