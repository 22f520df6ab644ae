"""Per-user and per-team tables, and top and bottom performers."""

from apps.accounts.models import User
from apps.analytics.models import MetricType
from apps.analytics.reporting import figures
from apps.analytics.selectors.snapshots import by_user

# Rank only users with enough due debriefings for the rate to mean something.
MIN_DUE_FOR_RANKING = 3
PERFORMERS = 3
USER_COLUMNS = [
    (MetricType.DEBRIEFING_COMPLETION, "Completion"),
    (MetricType.DATA_EXTRACTION_ACCURACY, "Extraction accuracy"),
    (MetricType.MEETING_DETECTION_ACCURACY, "Detection accuracy"),
    (MetricType.PARTICIPANT_MATCHING_ACCURACY, "Matching accuracy"),
    (MetricType.CRM_SYNC_SUCCESS, "CRM sync success"),
]


def users_in(scope):
    """Return the scope's users, by username."""
    users = User.objects.select_related("team").order_by("username")
    if scope.user_ids is not None:
        users = users.filter(pk__in=scope.user_ids)
    return list(users)


def per_user(start, end, users) -> dict[int, dict]:
    """Return {user_id: {metric_type: MetricResult}} (one computation per metric)."""
    ids = [u.pk for u in users]
    by_metric = {
        metric: by_user(metric, start, end, ids)
        for metric, _ in [*USER_COLUMNS, (MetricType.USER_ENGAGEMENT, "")]
    }
    return {
        user.pk: {metric: results.get(user.pk) for metric, results in by_metric.items()}
        for user in users
    }


def _value(result):
    return None if result is None else result.value


def user_table(users, results) -> dict:
    """Return one row per user: each rate, due debriefings and engagement events."""
    rows = []
    for user in users:
        mine = results[user.pk]
        completion = mine[MetricType.DEBRIEFING_COMPLETION]
        engagement = mine[MetricType.USER_ENGAGEMENT]
        rows.append(
            [
                user.username,
                user.team.name if user.team else "",
                *[_value(mine[metric]) for metric, _ in USER_COLUMNS],
                completion.denominator if completion else 0,
                engagement.sample_size if engagement else 0,
            ]
        )
    return figures.table(
        "users",
        "Per user",
        ["User", "Team", *[label for _, label in USER_COLUMNS], "Due", "Events"],
        rows,
        ["text", "text", *["percent"] * len(USER_COLUMNS), "count", "count"],
    )


def _pooled(results: list) -> float | None:
    """Pool members' rates as the selectors do: their numerators over denominators."""
    numerator = sum(r.numerator for r in results if r is not None)
    denominator = sum(r.denominator for r in results if r is not None)
    return numerator / denominator if denominator else None


def team_table(users, results) -> dict:
    """Return one row per team of the scope's users, pooled over its members."""
    teams: dict[int, list] = {}
    for user in users:
        if user.team_id is not None:
            teams.setdefault(user.team_id, []).append(user)
    rows = []
    for members in sorted(teams.values(), key=lambda m: m[0].team.name):
        values = [
            _pooled([results[member.pk][metric] for member in members])
            for metric, _ in USER_COLUMNS
        ]
        rows.append([members[0].team.name, len(members), *values])
    return figures.table(
        "teams",
        "Per team",
        ["Team", "Members", *[label for _, label in USER_COLUMNS]],
        rows,
        ["text", "count", *["percent"] * len(USER_COLUMNS)],
    )


def performers(users, results) -> dict:
    """Return the top and bottom users by debriefing completion (enough due only)."""
    ranked = []
    for user in users:
        completion = results[user.pk][MetricType.DEBRIEFING_COMPLETION]
        if (
            completion is not None
            and (completion.denominator or 0) >= MIN_DUE_FOR_RANKING
        ):
            ranked.append((completion.value, completion.denominator, user.username))
    ranked.sort(key=lambda r: (-r[0], -r[1], r[2]))

    def entries(rows):
        return [
            {"user": name, "completion": value, "due": due} for value, due, name in rows
        ]

    top = entries(ranked[:PERFORMERS])
    bottom = entries(sorted(ranked, key=lambda r: (r[0], -r[1], r[2]))[:PERFORMERS])
    return {"top": top, "bottom": bottom, "min_due": MIN_DUE_FOR_RANKING}
