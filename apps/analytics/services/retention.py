"""Retention: delete the rows older than their table's setting, in small batches.

Each table is dated by one column and kept for the days one setting names (0 keeps
it forever). The cutoff is the local midnight that many days before today, so a
day's rows go together and nothing younger than the setting is ever removed.

Rows go in batches of BATCH_SIZE, each its own short transaction: the locks last
one batch, memory stays flat, and a run cut short (a time limit, the database
restarting) has kept what it committed; the next run carries on. A run removes
only rows older than the cutoff, so running it again removes nothing.

On PostgreSQL the event tables are partitioned by month (services/partitions.py):
there every month wholly older than the cutoff is dropped at once, and only the
rows of the month the cutoff falls in (and of the default partition) are deleted
in batches.
"""

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from apps.analytics.models import (
    Alert,
    AlertEvent,
    DataQualityMetric,
    PerformanceMetric,
    Report,
    SystemHealthMetric,
    UserEngagementMetric,
)
from apps.analytics.periods import local_day, local_midnight
from apps.analytics.services import partitions
from apps.core.models import AuditAction, AuditLog

logger = logging.getLogger(__name__)

# Rows deleted per transaction: short enough that no lock is held for long (a few
# tens of milliseconds on PostgreSQL), large enough that the round trips stay cheap.
BATCH_SIZE = 5_000
# A century: a longer retention is a typo (and past year 1 the dates overflow).
MAX_RETENTION_DAYS = 36_600
# Audit rows of a cleanup carry no HTTP answer; it succeeded (an OK status).
CLEANUP_AUDIT_STATUS = 200


@dataclass(frozen=True)
class RetentionRule:
    """A table, the column its rows are dated by, and the setting keeping them."""

    table: str
    model: type[models.Model]
    date_field: str
    setting: str


# Raw data first, audit entries last: the cleanup's own audit row comes after all.
RULES = (
    RetentionRule(
        "engagement", UserEngagementMetric, "timestamp", "ANALYTICS_RETENTION_DAYS"
    ),
    RetentionRule(
        "data_quality", DataQualityMetric, "measured_at", "ANALYTICS_RETENTION_DAYS"
    ),
    RetentionRule(
        "system_health", SystemHealthMetric, "timestamp", "ANALYTICS_RETENTION_DAYS"
    ),
    # Every evaluation of every rule, each minute: raw data too.
    RetentionRule("alert_events", AlertEvent, "timestamp", "ANALYTICS_RETENTION_DAYS"),
    RetentionRule(
        "performance",
        PerformanceMetric,
        "period_end",
        "ANALYTICS_METRICS_RETENTION_DAYS",
    ),
    # Resolved alerts are the incident history: kept as long as the metrics they
    # explain (open alerts have no end, so they never go); their events cascade.
    RetentionRule("alerts", Alert, "ended_at", "ANALYTICS_METRICS_RETENTION_DAYS"),
    # A report's deliveries (the email ledger) cascade with it.
    RetentionRule("reports", Report, "created_at", "ANALYTICS_REPORT_RETENTION_DAYS"),
    RetentionRule(
        "audit_log", AuditLog, "created_at", "ANALYTICS_AUDIT_RETENTION_DAYS"
    ),
)
TABLES = tuple(rule.table for rule in RULES)


@dataclass
class TableCleanup:
    """What the cleanup removed (or, in a dry run, would remove) from one table."""

    table: str
    setting: str
    retention_days: int
    cutoff: dt.datetime | None  # None: kept forever
    removed: int = 0
    # Whole monthly partitions dropped (PostgreSQL), their rows counted in removed.
    dropped_partitions: list[str] = field(default_factory=list)
    # Rows of other tables deleted with them (cascades), by model label.
    cascaded: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "setting": self.setting,
            "retention_days": self.retention_days,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "removed": self.removed,
            "cascaded": dict(self.cascaded),
            "dropped_partitions": list(self.dropped_partitions),
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class CleanupSummary:
    """The outcome of a cleanup run, table by table."""

    dry_run: bool
    tables: list[TableCleanup] = field(default_factory=list)
    seconds: float = 0.0
    complete: bool = False

    @property
    def removed(self) -> int:
        """Return the rows removed in all, cascades included."""
        return sum(t.removed + sum(t.cascaded.values()) for t in self.tables)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "complete": self.complete,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
            "tables": {t.table: t.as_dict() for t in self.tables},
        }


def retention_days(rule: RetentionRule) -> int:
    """Read the rule's setting now (not at import), refusing what cannot be meant."""
    days = getattr(settings, rule.setting)
    if isinstance(days, bool) or not isinstance(days, int):
        raise ImproperlyConfigured(
            f"{rule.setting} must be a whole number of days, not {days!r}."
        )
    if not 0 <= days <= MAX_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"{rule.setting} must be 0 (keep forever) or 1 to {MAX_RETENTION_DAYS} "
            f"days, not {days}."
        )
    return days


def cutoff_for(days: int, now: dt.datetime) -> dt.datetime | None:
    """Return the instant before which rows go: local midnight `days` days ago."""
    if days == 0:
        return None
    return local_midnight(local_day(now) - dt.timedelta(days=days))


def cleanup_old_data(
    *,
    method: str,
    path: str,
    dry_run: bool = False,
    tables: Iterable[str] | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[TableCleanup], None] | None = None,
) -> CleanupSummary:
    """Delete (or, dry run, count) every table's rows older than its retention.

    `method` and `path` say who ran it (e.g. "TASK" and the task's name) in the
    DATA_CLEANUP audit row a run that removed anything leaves behind. `tables`
    narrows the run to some of TABLES; `progress` is called after each table.
    """
    chosen = _rules(tables)
    now = now or timezone.now()
    # Read every setting before deleting anything: a bad one stops the whole run.
    plans = [(rule, retention_days(rule)) for rule in chosen]
    summary = CleanupSummary(dry_run=dry_run)
    started = time.perf_counter()
    try:
        for rule, days in plans:
            result = TableCleanup(
                table=rule.table,
                setting=rule.setting,
                retention_days=days,
                cutoff=cutoff_for(days, now),
            )
            summary.tables.append(result)
            table_started = time.perf_counter()
            if result.cutoff is not None:
                if dry_run:
                    _count(rule, result)
                else:
                    _drop_old_partitions(rule, result)
                    _delete_in_batches(rule, result)
            result.seconds = time.perf_counter() - table_started
            _log_table(result, dry_run)
            if progress:
                progress(result)
        summary.complete = True
    finally:
        summary.seconds = time.perf_counter() - started
        # Even a run cut short says what it removed: those rows are gone for good.
        if not dry_run and summary.removed:
            _record_audit(summary, method=method, path=path)
    logger.info(
        "Retention cleanup%s: %d rows %s in %.2fs",
        " (dry run)" if dry_run else "",
        summary.removed,
        "would be removed" if dry_run else "removed",
        summary.seconds,
    )
    return summary


def _rules(tables: Iterable[str] | None) -> list[RetentionRule]:
    if tables is None:
        return list(RULES)
    wanted = set(tables)
    unknown = wanted - set(TABLES)
    if unknown:
        raise ValueError(
            f"unknown table(s) {', '.join(sorted(unknown))}; "
            f"expected some of {', '.join(TABLES)}"
        )
    return [rule for rule in RULES if rule.table in wanted]


def _old_rows(rule: RetentionRule, cutoff: dt.datetime) -> models.QuerySet:
    return rule.model._default_manager.filter(**{f"{rule.date_field}__lt": cutoff})


def _count(rule: RetentionRule, result: TableCleanup) -> None:
    """Count what a real run would remove, cascades included."""
    result.removed = _old_rows(rule, result.cutoff).count()
    for relation in _cascading_relations(rule.model):
        dependents = relation.related_model._default_manager.filter(
            **{f"{relation.field.name}__{rule.date_field}__lt": result.cutoff}
        ).count()
        if dependents:
            result.cascaded[relation.related_model._meta.label] = dependents


def _cascading_relations(model: type[models.Model]) -> list:
    return [
        relation
        for relation in model._meta.related_objects
        if relation.on_delete is models.CASCADE
    ]


def _leads_an_index(model: type[models.Model], name: str) -> bool:
    """Tell whether the column can be walked in order through an index."""
    column = model._meta.get_field(name)
    if column.db_index or column.unique or column.primary_key:
        return True
    return any(
        index.fields and index.fields[0].lstrip("-") == name
        for index in model._meta.indexes
    )


def _drop_old_partitions(rule: RetentionRule, result: TableCleanup) -> None:
    """Drop the table's monthly partitions that end at or before the cutoff."""
    table = rule.model._meta.db_table
    # A dropped partition takes no cascade along: only tables nothing points to.
    if not partitions.is_partitioned(table) or _cascading_relations(rule.model):
        return
    for partition in partitions.month_partitions(table):
        if partition.end <= result.cutoff:
            result.removed += partitions.drop_partition(table, partition)
            result.dropped_partitions.append(partition.name)


def _delete_in_batches(rule: RetentionRule, result: TableCleanup) -> None:
    """Delete the old rows BATCH_SIZE at a time, each batch committed on its own.

    A batch is a range of an index: the old rows from where the previous batch
    stopped up to the BATCH_SIZE-th one after it, in key order (the walk never
    restarts from the oldest row). The key is (date, pk) when the date column leads
    an index, else the primary key. Deleting a key range rather than a list of ids
    keeps each DELETE one short statement over neighbouring rows (several times
    faster on PostgreSQL), and memory holds one key, not a batch of ids.
    """
    model, date = rule.model, rule.date_field
    by_date = _leads_an_index(model, date)
    keys = (date, "pk") if by_date else ("pk",)
    old = _old_rows(rule, result.cutoff)
    resume = Q()
    while True:
        size = BATCH_SIZE  # read per batch, so tests can make it tiny
        pending = old.filter(resume)
        # The last row of this batch, in key order; none when fewer rows are left.
        edge = pending.order_by(*keys).values_list(*keys)[size - 1 : size].first()
        if edge is None:
            _delete_batch(rule, result, pending)
            return
        if by_date:
            edge_date, edge_pk = edge
            upto = Q(**{f"{date}__lt": edge_date}) | Q(
                **{date: edge_date, "pk__lte": edge_pk}
            )
            # `>=`: rows sharing the edge's date but past its pk are still to come.
            resume = Q(**{f"{date}__gte": edge_date})
        else:
            (edge_pk,) = edge
            upto = Q(pk__lte=edge_pk)
            resume = Q(pk__gt=edge_pk)
        _delete_batch(rule, result, pending.filter(upto))


def _delete_batch(
    rule: RetentionRule, result: TableCleanup, rows: models.QuerySet
) -> None:
    with transaction.atomic():
        # Only the ids are loaded when a cascade makes Django fetch the rows
        # (reports), not their report_data.
        _, deleted = rows.only("pk").delete()
    label = rule.model._meta.label
    removed = deleted.get(label, 0)
    if not removed:
        return
    result.batches += 1
    result.removed += removed
    for name, count in deleted.items():
        if name != label and count:
            result.cascaded[name] = result.cascaded.get(name, 0) + count
    logger.debug("Retention %s: batch %d, %d rows", rule.table, result.batches, removed)


def _log_table(result: TableCleanup, dry_run: bool) -> None:
    if result.cutoff is None:
        logger.info("Retention %s: kept forever (%s=0)", result.table, result.setting)
        return
    logger.info(
        "Retention %s: %d rows older than %s %s%s in %d batches%s, %.2fs",
        result.table,
        result.removed,
        result.cutoff.isoformat(),
        "would be removed" if dry_run else "removed",
        f" (with {result.cascaded})" if result.cascaded else "",
        result.batches,
        f" and {len(result.dropped_partitions)} dropped partitions"
        if result.dropped_partitions
        else "",
        result.seconds,
    )


def _record_audit(summary: CleanupSummary, *, method: str, path: str) -> None:
    """Leave one DATA_CLEANUP row saying what the run removed, by whom, up to when."""
    AuditLog.objects.create(
        user=None,
        username="",
        action=AuditAction.DATA_CLEANUP,
        method=method,
        path=path[:512],
        parameters={
            "removed": {t.table: t.removed for t in summary.tables},
            "cascaded": {
                name: count
                for t in summary.tables
                for name, count in t.cascaded.items()
            },
            "cutoffs": {
                t.table: t.cutoff.isoformat() if t.cutoff else None
                for t in summary.tables
            },
            "complete": summary.complete,
        },
        object_ids=[],
        status_code=CLEANUP_AUDIT_STATUS,
        ip_address=None,
    )
