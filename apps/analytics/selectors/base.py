"""What every metric selector shares: the result type, scoping, ratios, percentiles.

A metric selector reads one period of source data for every user at once and answers
`{user_id: MetricResult, ..., None: MetricResult}`, where the `None` entry is the
scope's total (the organisation, or the given users together). Counts are summed from
per-user groups, so the total is always numerator / denominator of the scope, never an
average of per-user rates. The number of queries never depends on users or rows.
"""

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, DurationField, F, FloatField, QuerySet

ORG = None  # The key of the scope total in a selector's answer.


@dataclass
class MetricResult:
    """One metric for one period and one scope (a user, some users, or everyone)."""

    metric_type: str
    period_start: dt.datetime
    period_end: dt.datetime
    user_id: int | None
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    sample_size: int = 0
    breakdown: dict = field(default_factory=dict)

    @property
    def is_defined(self) -> bool:
        """Tell whether the figure exists (a rate over nothing does not)."""
        return self.value is not None

    @property
    def metadata(self) -> dict:
        """Return what PerformanceMetric.metadata stores: counts, then breakdowns."""
        counts = {"sample_size": self.sample_size}
        if self.denominator is not None:
            counts = {
                "numerator": self.numerator,
                "denominator": self.denominator,
                **counts,
            }
        return {**counts, **self.breakdown}


def rate_result(
    metric_type, start, end, user_id, numerator, denominator, breakdown
) -> MetricResult:
    """Build the result of a rate metric: numerator / denominator over a sample."""
    return MetricResult(
        metric_type=metric_type,
        period_start=start,
        period_end=end,
        user_id=user_id,
        value=ratio(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        sample_size=denominator,
        breakdown=breakdown,
    )


def ratio(numerator: float, denominator: float) -> float | None:
    """Return numerator / denominator, or None when the denominator is zero."""
    return numerator / denominator if denominator else None


def rounded(value: float | None, digits: int = 4) -> float | None:
    """Round a breakdown figure for storage; None stays None."""
    return None if value is None else round(value, digits)


def scope_filter(queryset: QuerySet, user_field: str, user_ids: Iterable[int] | None):
    """Narrow a source queryset to some users' rows (None: everyone)."""
    if user_ids is None:
        return queryset
    return queryset.filter(**{f"{user_field}__in": list(user_ids)})


def sum_groups(groups: dict, keys: Sequence[str]) -> dict:
    """Add up the count fields of every per-user group into the scope total."""
    total = dict.fromkeys(keys, 0)
    for values in groups.values():
        for key in keys:
            total[key] += values.get(key) or 0
    return total


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(p) WITHIN GROUP (ORDER BY expr)`."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be within [0, 1]")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def interpolated_percentile(ordered: Sequence, fraction: float):
    """Return the percentile of sorted values exactly as percentile_cont computes it."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def as_seconds(value) -> float | None:
    """Turn a duration (timedelta) or number into float seconds / plain float."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def percentiles(
    queryset: QuerySet,
    value,
    fractions: Sequence[float],
    group_by: str,
    *,
    duration: bool = False,
) -> dict:
    """Return `{group: [percentile per fraction], None: [...over all rows]}`.

    PostgreSQL computes them with percentile_cont (two queries: per group and over
    all). Elsewhere one query fetches the values and the same interpolation runs in
    Python, so both databases agree.
    """
    output = DurationField() if duration else FloatField()
    value = F(value) if isinstance(value, str) else value
    queryset = queryset.order_by()
    if connection.vendor == "postgresql":
        aggregates = {
            f"p{i}": PercentileCont(value, fraction, output_field=output)
            for i, fraction in enumerate(fractions)
        }
        answer = {
            row[group_by]: [as_seconds(row[f"p{i}"]) for i in range(len(fractions))]
            for row in queryset.values(group_by).annotate(**aggregates)
        }
        overall = queryset.aggregate(**aggregates)
        answer[ORG] = [as_seconds(overall[f"p{i}"]) for i in range(len(fractions))]
        return answer
    by_group: dict = {}
    everything = []
    rows = queryset.annotate(_pct_value=value).values_list(group_by, "_pct_value")
    for group, raw in rows:
        if raw is None:
            continue
        seconds = as_seconds(raw)
        by_group.setdefault(group, []).append(seconds)
        everything.append(seconds)
    answer = {}
    for group, values in [*by_group.items(), (ORG, everything)]:
        values.sort()
        answer[group] = [interpolated_percentile(values, f) for f in fractions]
    return answer
