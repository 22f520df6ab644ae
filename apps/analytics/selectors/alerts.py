"""Alerts a scope may see: those of its users', their teams' and (where the scope
includes organisation figures) the organisation's rules."""

from apps.analytics.models import OPEN_ALERT_STATES, Alert, AlertState


def visible_alerts(scope, queryset=None):
    """Return the alerts `scope` may see."""
    queryset = Alert.objects.all() if queryset is None else queryset
    return scope.filter_owned(
        queryset, user_field="rule__user", team_field="rule__team"
    )


def open_alerts(scope) -> list[dict]:
    """Return the pending and firing alerts `scope` may see, firing first (1 query)."""
    alerts = sorted(
        visible_alerts(scope)
        .filter(state__in=OPEN_ALERT_STATES)
        .select_related("rule"),
        key=lambda alert: (alert.state != AlertState.FIRING, -alert.since.timestamp()),
    )
    return [
        {
            "id": alert.pk,
            "rule": alert.rule.name,
            "severity": alert.rule.severity,
            "state": alert.state,
            "labels": alert.labels,
            "value": alert.value,
            "since": alert.since.isoformat() if alert.since else None,
        }
        for alert in alerts
    ]
