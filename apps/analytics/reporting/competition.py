"""Competitive intelligence as a report section and table."""

from apps.analytics.reporting import figures
from apps.analytics.selectors.snapshots import competition


def competition_section(start, end, user_ids) -> tuple[dict, dict]:
    """Return the period's competitive insights and their table."""
    insights = competition(start, end, user_ids)
    section = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in insights.items()
    }
    rows = [
        [
            c["competitor"],
            c["mentions"],
            c["share_of_voice"],
            c["change"],
            c["sentiment"]["positive"],
            c["sentiment"]["neutral"],
            c["sentiment"]["negative"],
        ]
        for c in insights["competitors"]
    ]
    table = figures.table(
        "competitors",
        "Competitors mentioned",
        [
            "Competitor",
            "Mentions",
            "Share of voice",
            "Change",
            "Positive",
            "Neutral",
            "Negative",
        ],
        rows,
        ["text", "count", "percent", "count_change", "count", "count", "count"],
    )
    return section, table
