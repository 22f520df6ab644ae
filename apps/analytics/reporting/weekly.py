"""Weekly performance: the ISO week against the week before, per user and team."""

import datetime as dt

from apps.analytics.models import AggregationPeriod, ReportType
from apps.analytics.periods import period_containing
from apps.analytics.reporting import figures, people
from apps.analytics.reporting.competition import competition_section
from apps.analytics.reporting.envelope import envelope


def build(moment: dt.datetime, scope) -> dict:
    """Return the weekly performance report of the week containing `moment`."""
    week = period_containing(AggregationPeriod.WEEKLY, moment)
    rows = figures.summary_rows(
        {"current": week, "previous_week": week.previous()}, scope.user_ids
    )
    data = envelope(
        ReportType.WEEKLY_PERFORMANCE,
        f"Weekly performance {week.label} ({scope.label})",
        week.start,
        week.end,
        week.label,
        scope,
    )
    data["summary"] = [
        {k: v for k, v in row.items() if k != "breakdown"} for row in rows
    ]
    data["tables"].append(
        figures.metric_table(rows, {"previous_week": "Previous week"})
    )
    data["series"] = figures.series(
        AggregationPeriod.DAILY, week.start, week.end, scope.user_ids
    )
    users = people.users_in(scope)
    results = people.per_user(week.start, week.end, users)
    data["tables"].append(people.user_table(users, results))
    if scope.kind != "user":
        data["tables"].append(people.team_table(users, results))
    data["sections"]["performers"] = people.performers(users, results)
    competition, table = competition_section(week.start, week.end, scope.user_ids)
    data["sections"]["competitive_intelligence"] = competition
    data["tables"].append(table)
    data["notes"] = figures.notable_changes(
        rows, "previous_week", "against the previous week"
    )
    return data
