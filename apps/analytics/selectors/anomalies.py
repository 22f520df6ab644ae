"""Stored anomalies: those of a scope's own series, for its dashboard and reports."""

from apps.analytics.models import Anomaly

FIELDS = (
    "series_kind",
    "metric_type",
    "component",
    "health_type",
    "granularity",
    "timestamp",
    "observed",
    "expected",
    "score",
    "direction",
    "severity",
)


def own_series_anomalies(scope, start, end):
    """Return the anomalies in [start, end) of the series a scope's figures show.

    The organisation's series (metrics, health, engagement) for a scope covering
    everyone; a user's for one user; the rows of the teams it covers whole for a
    team. What the scope may read at all is decided by Scope.filter_owned.
    """
    rows = Anomaly.objects.filter(timestamp__gte=start, timestamp__lt=end)
    if scope.user_ids is None:
        rows = rows.filter(scope_key="organisation")
    elif len(scope.user_ids) == 1:
        rows = rows.filter(user_id=scope.user_ids[0])
    else:
        rows = rows.filter(user__isnull=True, team__isnull=False)
    rows = scope.filter_owned(rows, user_field="user", team_field="team")
    return rows.order_by("timestamp", "pk")


def anomaly_dicts(rows) -> list[dict]:
    """Return anomalies as plain dicts (the reports' and sentences' input)."""
    return list(rows.values(*FIELDS))
