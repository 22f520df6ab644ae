"""User activity: one user's engagement and debriefing habits against their team."""

import datetime as dt
import statistics

from django.db.models import Count
from django.db.models.functions import TruncDate

from apps.accounts.models import User
from apps.analytics.models import (
    AggregationPeriod,
    MetricType,
    ReportType,
    UserEngagementMetric,
)
from apps.analytics.periods import local_zone, periods_between
from apps.analytics.reporting import figures
from apps.analytics.reporting.envelope import envelope
from apps.analytics.selectors.snapshots import by_user

ENGAGEMENT = MetricType.USER_ENGAGEMENT
COMPLETION = MetricType.DEBRIEFING_COMPLETION
# (label, metric, how to read it off the result, value with no result, format):
# someone with no events had 0 events, but no completion rate at all.
MEASURES = [
    ("Events", ENGAGEMENT, lambda r: r.sample_size, 0, "count"),
    ("Sessions", ENGAGEMENT, lambda r: r.breakdown["sessions"], 0, "count"),
    (
        "Mean session (seconds)",
        ENGAGEMENT,
        lambda r: r.breakdown["mean_session_seconds"],
        None,
        "decimal",
    ),
    ("Debriefing completion", COMPLETION, lambda r: r.value, None, "percent"),
    ("Debriefings due", COMPLETION, lambda r: r.denominator, 0, "count"),
    (
        "Median minutes to complete",
        COMPLETION,
        lambda r: r.breakdown["median_minutes_to_complete"],
        None,
        "decimal",
    ),
    ("Overdue debriefings", COMPLETION, lambda r: r.breakdown["overdue"], 0, "count"),
    (
        "Extraction accuracy",
        MetricType.DATA_EXTRACTION_ACCURACY,
        lambda r: r.value,
        None,
        "percent",
    ),
]


def _daily_events(subject, start, end) -> dict:
    """Return the subject's events per local day, zero-filled, for a chart."""
    counts = dict(
        UserEngagementMetric.objects.filter(
            user=subject, timestamp__gte=start, timestamp__lt=end
        )
        .annotate(day=TruncDate("timestamp", tzinfo=local_zone()))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = periods_between(
        AggregationPeriod.DAILY, start, end - dt.timedelta(microseconds=1)
    )
    points = []
    for day in days:
        date = day.start.astimezone(local_zone()).date()
        points.append({"date": date.isoformat(), "value": counts.get(date, 0)})
    active_days = sum(1 for n in counts.values() if n)
    series = {"key": "events_daily", "title": "Events per day", "format": "count"}
    return {**series, "points": points}, active_days


def build(subject, start, end, scope) -> dict:
    """Return the activity report of `subject` (`scope`: theirs) over [start, end)."""
    team = (
        list(User.objects.filter(team_id=subject.team_id))
        if subject.team_id
        else [subject]
    )
    by_metric = {
        kind: by_user(kind, start, end, [u.pk for u in team])
        for kind in {measure[1] for measure in MEASURES}
    }

    def read(user, kind, reader, absent):
        result = by_metric[kind].get(user.pk)
        return absent if result is None else reader(result)

    rows, measures = [], {}
    for label, kind, reader, absent, fmt in MEASURES:
        mine = read(subject, kind, reader, absent)
        values = [read(m, kind, reader, absent) for m in team]
        defined = [v for v in values if v is not None]
        median = statistics.median(defined) if defined else None
        measures[label] = {"user": mine, "team_median": median, "format": fmt}
        rows.append([label, mine, median])

    local_start = start.astimezone(local_zone()).date()
    local_end = (end - dt.timedelta(microseconds=1)).astimezone(local_zone()).date()
    label = f"{local_start} to {local_end}"
    data = envelope(
        ReportType.USER_ACTIVITY,
        f"Activity of {scope.label}, {label}",
        start,
        end,
        label,
        scope,
    )
    events, active_days = _daily_events(subject, start, end)
    data["sections"] = {
        "measures": measures,
        "team_size": len(team),
        "active_days": active_days,
    }
    data["tables"].append(
        figures.table(
            "measures",
            "Compared with the team",
            ["Measure", scope.label, "Team median"],
            rows,
            ["text", "row", "row"],
            [measure[4] for measure in MEASURES],
        )
    )
    data["series"] = [events]
    return data
