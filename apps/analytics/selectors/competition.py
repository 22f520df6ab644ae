"""Competitive intelligence: who is mentioned, how often, how, and who is rising."""

from django.db.models import Count, Min
from django.db.models.functions import Lower, Trim

from apps.analytics.periods import previous_window
from apps.analytics.selectors.base import ratio, rounded, scope_filter
from apps.debriefings.models import CompetitorMention, Sentiment

RISERS = 3


def _mentions(start, end, user_ids):
    return scope_filter(
        CompetitorMention.objects.filter(mentioned_at__gte=start, mentioned_at__lt=end),
        "debriefing__owner_id",
        user_ids,
    ).order_by()


def competitive_intelligence(start, end, user_ids=None) -> dict:
    """Return mentions per competitor, share of voice, sentiment and the fastest risers.

    Names are compared case- and space-insensitively; the period before (as many
    local days, see `previous_window`) gives the change.
    """
    previous_start, _ = previous_window(start, end)
    current = _mentions(start, end, user_ids).annotate(
        key=Lower(Trim("competitor_name"))
    )
    previous = _mentions(previous_start, start, user_ids).annotate(
        key=Lower(Trim("competitor_name"))
    )
    per_competitor = {
        row["key"]: row
        for row in current.values("key").annotate(
            name=Min("competitor_name"),
            mentions=Count("id"),
            meetings=Count("debriefing__meeting_id", distinct=True),
            users=Count("debriefing__owner_id", distinct=True),
        )
    }
    sentiments: dict = {}
    for row in current.values("key", "sentiment").annotate(n=Count("id")):
        sentiments.setdefault(row["key"], {})[row["sentiment"]] = row["n"]
    before_rows = list(
        previous.values("key").annotate(n=Count("id"), name=Min("competitor_name"))
    )
    before = {row["key"]: row["n"] for row in before_rows}
    before_names = {row["key"]: row["name"] for row in before_rows}
    reach = current.aggregate(
        meetings=Count("debriefing__meeting_id", distinct=True),
        users=Count("debriefing__owner_id", distinct=True),
    )
    total, total_before = (
        sum(r["mentions"] for r in per_competitor.values()),
        sum(before.values()),
    )

    competitors = []
    for key, row in per_competitor.items():
        was = before.get(key, 0)
        share, share_before = ratio(row["mentions"], total), ratio(was, total_before)
        competitors.append(
            {
                "competitor": row["name"],
                "mentions": row["mentions"],
                "share_of_voice": rounded(share),
                "previous_mentions": was,
                "change": row["mentions"] - was,
                "change_pct": rounded(ratio(row["mentions"] - was, was)),
                "share_change": rounded(share - (share_before or 0.0)),
                "sentiment": {
                    choice.value: sentiments.get(key, {}).get(choice.value, 0)
                    for choice in Sentiment
                },
                "meetings": row["meetings"],
                "users": row["users"],
            }
        )
    competitors.sort(key=lambda c: (-c["mentions"], c["competitor"].lower()))
    rising = sorted(
        (c for c in competitors if c["change"] > 0),
        key=lambda c: (
            -c["change"],
            -(c["share_change"] or 0),
            c["competitor"].lower(),
        ),
    )
    gone = sorted(before_names[key] for key in set(before) - set(per_competitor))
    return {
        "period_start": start,
        "period_end": end,
        "previous_period_start": previous_start,
        "total_mentions": total,
        "previous_total_mentions": total_before,
        "meetings_with_mentions": reach["meetings"],
        "users_with_mentions": reach["users"],
        "competitors": competitors,
        "rising": [c["competitor"] for c in rising[:RISERS]],
        "no_longer_mentioned": gone,
    }
