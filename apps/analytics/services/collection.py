"""Collecting PerformanceMetric rows: compute each period once, upsert on its key."""

import dataclasses
import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from celery import chord, current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.analytics.models import (
    DataQualityMetric,
    MetricType,
    PerformanceMetric,
    QualityType,
)
from apps.analytics.periods import Period
from apps.analytics.selectors import METRIC_SELECTORS, MetricResult
from apps.core.db import upsert

logger = logging.getLogger(__name__)

METRIC_KEY = ["metric_type", "aggregation_period", "period_start"]
QUALITY_KEY = [
    "quality_type",
    "entity_type",
    "field_name",
    "period_start",
    "period_end",
]
# Z for a 95% interval: quality confidence is 1 minus the Wilson interval's width.
Z_95 = 1.96


@dataclass
class CollectionSummary:
    """What a collection run did, for commands, tasks and logs."""

    kind: str
    periods_computed: list[str] = field(default_factory=list)
    periods_skipped: list[str] = field(default_factory=list)
    # Periods handed to the workers (one task per metric, then one that stores).
    periods_fanned_out: list[str] = field(default_factory=list)
    rows_written: int = 0
    rows_removed: int = 0
    quality_rows_written: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """Return a JSON-friendly copy (a Celery task's result)."""
        return {
            "kind": self.kind,
            "periods_computed": self.periods_computed,
            "periods_skipped": self.periods_skipped,
            "periods_fanned_out": self.periods_fanned_out,
            "rows_written": self.rows_written,
            "rows_removed": self.rows_removed,
            "quality_rows_written": self.quality_rows_written,
            "seconds": round(self.seconds, 3),
        }


def wilson_confidence(successes: int, trials: int) -> float:
    """Return 1 minus the width of the 95% Wilson interval: grows with sample size."""
    if trials <= 0:
        return 0.0
    p = successes / trials
    z2 = Z_95 * Z_95
    half = Z_95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    width = 2 * half / (1 + z2 / trials)
    return round(max(0.0, min(1.0, 1.0 - width)), 4)


def compute_period(period: Period) -> dict[str, dict]:
    """Compute every metric for every user and the organisation in one period."""
    return {
        metric_type: selector(period.start, period.end)
        for metric_type, selector in METRIC_SELECTORS.items()
    }


def _metric_rows(
    period: Period, results: dict, partial: bool
) -> list[PerformanceMetric]:
    rows = []
    for metric_type, by_user in results.items():
        for user_id, result in by_user.items():
            if not result.is_defined:
                continue  # An undefined rate is stored as no row (metrics.md).
            metadata = result.metadata
            if partial:
                metadata["partial"] = True
            rows.append(
                PerformanceMetric(
                    metric_type=metric_type,
                    aggregation_period=period.kind,
                    period_start=period.start,
                    period_end=period.end,
                    user_id=user_id,
                    value=result.value,
                    metadata=metadata,
                )
            )
    return rows


def _quality_rows(period: Period, accuracy: dict[int | None, MetricResult]) -> list:
    rows = []
    for user_id, result in accuracy.items():
        for name, figures in result.breakdown.get("by_field", {}).items():
            rows.append(
                DataQualityMetric(
                    quality_type=QualityType.ACCURACY,
                    entity_type="extracted_field",
                    field_name=name,
                    score=figures["accuracy"],
                    confidence=wilson_confidence(
                        figures["accepted"], figures["reviewed"]
                    ),
                    user_id=user_id,
                    period_start=period.start,
                    period_end=period.end,
                    sample_size=figures["reviewed"],
                    metadata={
                        "aggregation_period": period.kind,
                        "accepted": figures["accepted"],
                        "mean_confidence": figures["mean_confidence"],
                    },
                    measured_at=period.start,
                )
            )
    return rows


def _row_key(row, names) -> tuple:
    return tuple(getattr(row, name) for name in names)


def _replace(model, rows, existing, *, match, constraints, update_fields):
    """Delete the rows of `existing` that `rows` no longer has, upsert the others.

    `match` names the fields telling rows of one period apart; `constraints` names
    the model's unique constraints for per-user rows and organisation-wide rows.
    """
    keep = {_row_key(row, match) for row in rows}
    stale = [
        pk for pk, *key in existing.values_list("pk", *match) if tuple(key) not in keep
    ]
    removed = model.objects.filter(pk__in=stale).delete()[0] if stale else 0
    for has_user in (True, False):
        subset = sorted(
            (row for row in rows if (row.user_id is not None) == has_user),
            # One order in every run, so concurrent runs cannot deadlock.
            key=lambda row: tuple(
                -1 if value is None else value for value in _row_key(row, match)
            ),
        )
        upsert(
            model,
            subset,
            constraint=constraints[0] if has_user else constraints[1],
            update_fields=update_fields,
        )
    return len(rows), removed


def store_period(period: Period, results: dict, *, now=None) -> tuple[int, int, int]:
    """Replace the rows of the metrics in `results`: (written, removed, quality).

    Rows of metric types not in `results` are left alone, so one metric can be
    refreshed on its own (the real-time engagement fold does).
    """
    partial = period.end > (now or timezone.now())
    metric_rows = _metric_rows(period, results, partial)
    quality_written = quality_removed = 0
    with transaction.atomic():
        written, removed = _replace(
            PerformanceMetric,
            metric_rows,
            PerformanceMetric.objects.filter(
                metric_type__in=list(results),
                aggregation_period=period.kind,
                period_start=period.start,
            ),
            match=["metric_type", "user_id"],
            constraints=("uniq_perf_metric_per_user", "uniq_perf_metric_org_wide"),
            update_fields=["value", "period_end", "metadata"],
        )
        if MetricType.DATA_EXTRACTION_ACCURACY in results:
            quality_written, quality_removed = _store_quality(
                period, results[MetricType.DATA_EXTRACTION_ACCURACY]
            )
    return written, removed + quality_removed, quality_written


def _store_quality(period: Period, accuracy: dict) -> tuple[int, int]:
    """Replace the period's per-field accuracy rows (DataQualityMetric)."""
    return _replace(
        DataQualityMetric,
        _quality_rows(period, accuracy),
        DataQualityMetric.objects.filter(
            quality_type=QualityType.ACCURACY,
            entity_type="extracted_field",
            period_start=period.start,
            period_end=period.end,
        ),
        match=["field_name", "user_id"],
        constraints=(
            "uniq_quality_period_per_user",
            "uniq_quality_period_org_wide",
        ),
        update_fields=[
            "score",
            "confidence",
            "sample_size",
            "metadata",
            "measured_at",
        ],
    )


def collected_period_starts(kind: str, periods: Sequence[Period]) -> set:
    """Return the starts of periods already collected (one query for all of them).

    Every collected period has the organisation's engagement row, even at zero;
    one collected while still in progress (`partial`) does not count: its figures
    were not final.
    """
    rows = PerformanceMetric.objects.filter(
        metric_type=MetricType.USER_ENGAGEMENT,
        aggregation_period=kind,
        user__isnull=True,
        period_start__in=[p.start for p in periods],
    ).values_list("period_start", "metadata")
    # Filtered here: a negated JSON key lookup would also drop rows lacking the key.
    return {start for start, metadata in rows if not metadata.get("partial")}


def collect_metrics(
    *,
    kind: str,
    periods: Sequence[Period],
    force: bool = False,
    now=None,
    progress: Callable[[Period, str], None] | None = None,
    allow_fan_out: bool = False,
) -> CollectionSummary:
    """Compute and store every metric for `periods`.

    Periods already collected are skipped unless `force`; a period still in progress
    is always recomputed (its figures are not final) and marked `partial`. With
    `allow_fan_out` (the beat's task) and a large organisation, each period is
    computed on the workers instead (`fan_out_period`), with the same rows.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    summary = CollectionSummary(kind=kind)
    done = collected_period_starts(kind, periods)
    fan_out = allow_fan_out and should_fan_out()
    for period in periods:
        in_progress = period.end > now
        if period.start in done and not force and not in_progress:
            summary.periods_skipped.append(period.label)
            if progress:
                progress(period, "skipped")
            continue
        if fan_out:
            fan_out_period(period)
            summary.periods_fanned_out.append(period.label)
            if progress:
                progress(period, "fanned out")
            continue
        written, removed, quality = store_period(
            period, compute_period(period), now=now
        )
        summary.periods_computed.append(period.label)
        summary.rows_written += written
        summary.rows_removed += removed
        summary.quality_rows_written += quality
        if progress:
            progress(period, "computed")
    summary.seconds = time.perf_counter() - started
    logger.info(
        "Collected %s metrics: %d periods computed, %d skipped, %d rows in %.2fs",
        kind,
        len(summary.periods_computed),
        len(summary.periods_skipped),
        summary.rows_written,
        summary.seconds,
    )
    return summary


# --- Fanning a period out over the workers ------------------------------------------
#
# A period of a large organisation is one task per metric (each selector computes
# its metric for every user and the organisation in a few queries), run in parallel
# on the workers; a chord then stores them all in one transaction, organisation
# rows included, exactly as `store_period` does in-process. The organisation's
# engagement row marks a period collected, so a period whose parts did not all
# succeed is not marked and the next run computes it again.

COMPUTE_TASK = "apps.analytics.tasks.compute_period_metric"
STORE_TASK = "apps.analytics.tasks.store_fanned_out_period"


def should_fan_out() -> bool:
    """Tell whether the organisation is large enough (and the workers able) to
    share a period's collection out."""
    threshold = settings.ANALYTICS_COLLECTION_FANOUT_USERS
    if threshold <= 0:
        return False
    # A chord joins its parts through the result backend; eager mode needs none.
    if not (current_app.conf.task_always_eager or settings.CELERY_RESULT_BACKEND):
        return False
    return get_user_model().objects.filter(is_active=True).count() >= threshold


def fan_out_period(period: Period):
    """Queue one task per metric of `period`, joined by one that stores them."""
    start = period.start.isoformat()
    parts = [
        current_app.signature(COMPUTE_TASK, args=(period.kind, start, metric_type))
        for metric_type in METRIC_SELECTORS
    ]
    return chord(parts)(current_app.signature(STORE_TASK, args=(period.kind, start)))


def compute_metric(period: Period, metric_type: str) -> list[dict]:
    """Compute one metric of `period` for everyone; JSON-ready, for a chord."""
    results = METRIC_SELECTORS[metric_type](period.start, period.end)
    return [
        {
            **dataclasses.asdict(result),
            "period_start": result.period_start.isoformat(),
            "period_end": result.period_end.isoformat(),
        }
        for result in results.values()
    ]


def store_computed_parts(period: Period, parts: list[list[dict]]) -> dict:
    """Store the metrics computed by `compute_metric` as `store_period` does."""
    results: dict = {}
    for part in parts:
        for item in part:
            result = MetricResult(
                **{
                    **item,
                    "period_start": dt.datetime.fromisoformat(item["period_start"]),
                    "period_end": dt.datetime.fromisoformat(item["period_end"]),
                }
            )
            results.setdefault(result.metric_type, {})[result.user_id] = result
    # Every metric in the selectors' order, as compute_period returns them.
    ordered = {m: results.get(m, {}) for m in METRIC_SELECTORS}
    written, removed, quality = store_period(period, ordered)
    return {
        "period": period.label,
        "rows_written": written,
        "rows_removed": removed,
        "quality_rows_written": quality,
    }
