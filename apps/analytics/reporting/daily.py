"""Daily summary: the day against the day before and the same weekday last week."""

import datetime as dt

from apps.analytics.models import AggregationPeriod, MetricType, ReportType
from apps.analytics.periods import period_containing, shift_local_days
from apps.analytics.reporting import figures, health, insights
from apps.analytics.reporting.envelope import envelope
from apps.analytics.selectors.anomalies import anomaly_dicts, own_series_anomalies


def _most_first(item):
    return -item[1], item[0]


def build(moment: dt.datetime, scope) -> dict:
    """Return the daily summary of the local day containing `moment`."""
    day = period_containing(AggregationPeriod.DAILY, moment)
    week_ago = period_containing(
        AggregationPeriod.DAILY, shift_local_days(day.start, -7)
    )
    periods = {
        "current": day,
        "previous_day": day.previous(),
        "same_day_last_week": week_ago,
    }
    rows = figures.summary_rows(periods, scope.user_ids)
    data = envelope(
        ReportType.DAILY_SUMMARY,
        f"Daily summary for {day.label} ({scope.label})",
        day.start,
        day.end,
        day.label,
        scope,
    )
    data["summary"] = [
        {k: v for k, v in row.items() if k != "breakdown"} for row in rows
    ]
    engagement = next(r for r in rows if r["metric_type"] == MetricType.USER_ENGAGEMENT)
    data["sections"]["engagement"] = figures.breakdown_of(
        engagement, day, scope.user_ids
    )
    data["tables"].append(
        figures.metric_table(
            rows,
            {
                "previous_day": "Previous day",
                "same_day_last_week": "Same day last week",
            },
        )
    )
    by_type = data["sections"]["engagement"]["events_by_type"]
    data["tables"].append(
        figures.table(
            "engagement_by_type",
            "Engagement by type",
            ["Engagement type", "Events"],
            # Most first, ties by name: stored JSON (jsonb) keeps no key order.
            [[kind, n] for kind, n in sorted(by_type.items(), key=_most_first)],
            ["text", "count"],
        )
    )
    # Rates against the day before; counts against the same weekday last week, since
    # usage has a weekly rhythm (every Saturday is quieter than Friday).
    notes = figures.notable_changes(
        rows, "previous_day", "against the previous day", only_format="percent"
    ) + figures.notable_changes(
        rows,
        "same_day_last_week",
        "against the same day last week",
        only_format="count",
    )
    if scope.includes_system_health:
        found = health.incidents(day.start, day.end)
        data["sections"]["system_health"] = {"incidents": found}
        data["tables"].append(
            figures.table(
                "system_health_incidents",
                "System health incidents",
                [
                    "Component",
                    "Check",
                    "Worst status",
                    "Readings",
                    "First",
                    "Last",
                    "Worst value",
                ],
                [
                    [
                        i["component"],
                        i["health_type"],
                        i["status"],
                        i["readings"],
                        i["first_seen"][11:16],
                        i["last_seen"][11:16],
                        i["worst_value"],
                    ]
                    for i in found
                ],
                ["text", "text", "text", "count", "text", "text", "decimal"],
            )
        )
        notes += health.incident_notes(found)
    anomalies = anomaly_dicts(own_series_anomalies(scope, day.start, day.end))
    data["sections"]["anomalies"] = [
        {**a, "timestamp": a["timestamp"].isoformat()} for a in anomalies
    ]
    data["tables"].append(insights.anomaly_table(anomalies))
    notes += insights.capped(insights.anomaly_sentences(anomalies, with_time=True))
    data["notes"] = notes
    return data
