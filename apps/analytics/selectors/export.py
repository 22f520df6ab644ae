"""Exports: which datasets exist, and the rows of one that a scope may see.

Each dataset says whose its rows are (`user_field`, `organisation_rows`) and what a
role needs to read it at all (`required_permission`); `export_rows` applies both
through the caller's `Scope`, so an export sees exactly what the lists show. Rows
come from a server-side cursor (on PostgreSQL), oldest first, as tuples of the
dataset's columns: a caller streams them without holding them all.
"""

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.db import connections, models

from apps.accounts.scope import Permission, Scope
from apps.analytics.models import (
    DataQualityMetric,
    PerformanceMetric,
    SystemHealthMetric,
    UserEngagementMetric,
)
from apps.analytics.periods import days_filter

# Rows per round trip of the server-side cursor.
FETCH_ROWS = 2000


@dataclass(frozen=True)
class Dataset:
    """What one dataset exports, and who may see which of its rows."""

    name: str
    model: type[models.Model]
    columns: tuple[str, ...]
    # The field the date range filters on and the export is sorted by.
    date_field: str = "timestamp"
    # Fields a caller may match exactly (`metric_type=...`), besides the dates.
    filters: tuple[str, ...] = ()
    # The field naming the owning user; None for rows that belong to no user (the
    # required permission alone guards them).
    user_field: str | None = "user"
    # Whether rows with no user (organisation-wide figures) go to scopes with them.
    organisation_rows: bool = False
    required_permission: str | None = None


DATASETS = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            name="performance",
            model=PerformanceMetric,
            columns=(
                "id",
                "metric_type",
                "aggregation_period",
                "value",
                "period_start",
                "period_end",
                "user_id",
                "metadata",
                "created_at",
                "updated_at",
            ),
            date_field="period_start",
            filters=("metric_type",),
            organisation_rows=True,
        ),
        Dataset(
            name="engagement",
            model=UserEngagementMetric,
            columns=(
                "id",
                "user_id",
                "engagement_type",
                "session_id",
                "duration_seconds",
                "entity_type",
                "entity_id",
                "metadata",
                "timestamp",
                "created_at",
                "event_id",
            ),
            filters=("engagement_type",),
        ),
        Dataset(
            name="data_quality",
            model=DataQualityMetric,
            columns=(
                "id",
                "quality_type",
                "entity_type",
                "entity_id",
                "field_name",
                "score",
                "confidence",
                "sample_size",
                "user_id",
                "period_start",
                "period_end",
                "metadata",
                "measured_at",
            ),
            date_field="measured_at",
            organisation_rows=True,
        ),
        Dataset(
            name="system_health",
            model=SystemHealthMetric,
            columns=(
                "id",
                "health_type",
                "component",
                "value",
                "unit",
                "status",
                "warning_threshold",
                "critical_threshold",
                "higher_is_worse",
                "metadata",
                "timestamp",
            ),
            filters=("component",),
            # Raw health readings belong to no user: the permission alone guards
            # them (metrics.md, Access).
            user_field=None,
            required_permission=Permission.RAW_SYSTEM_HEALTH,
        ),
    )
}
DEFAULT_DATASET = "performance"


def export_rows(
    dataset: Dataset,
    scope: Scope,
    *,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    filters: Mapping[str, object] | None = None,
) -> Iterator[tuple]:
    """Return the rows of `dataset` that `scope` may see, oldest first.

    `start_date` and `end_date` are local days, both included; `filters` match
    fields of `dataset.filters` exactly. Each row is a tuple of `dataset.columns`.
    The query runs when iteration starts, once, whatever the number of rows.
    Raises PermissionError when the scope's role lacks the dataset's permission.
    """
    filters = dict(filters or {})
    if unknown := sorted(filters.keys() - set(dataset.filters)):
        raise ValueError(f"not a filter of dataset {dataset.name}: {unknown[0]}")
    required = dataset.required_permission
    if required is not None and not scope.allows(required):
        raise PermissionError(f"dataset {dataset.name} needs {required}")

    rows = dataset.model.objects.all()
    if dataset.user_field is not None:
        rows = scope.filter(
            rows, dataset.user_field, organisation_rows=dataset.organisation_rows
        )
    rows = (
        rows.filter(days_filter(dataset.date_field, start_date, end_date), **filters)
        .order_by(dataset.date_field, "pk")
        .values_list(*dataset.columns)
    )
    if connections[rows.db].vendor == "postgresql":
        return _server_side_rows(rows, dataset)
    return rows.iterator(chunk_size=FETCH_ROWS)


def _server_side_rows(rows: models.QuerySet, dataset: Dataset) -> Iterator[tuple]:
    """Yield the query's rows from a psycopg server-side cursor, converting only
    the columns whose field says how (the encrypted and JSON ones).

    Django's iterator runs every row through its generic converter chain; psycopg
    already returns the other columns as the values Django would (aware UTC
    datetimes, UUIDs, numbers), and at a million rows that chain was a quarter
    of an export's time (bench/profile.py export).
    """
    connection = connections[rows.db]
    sql, params = rows.query.get_compiler(rows.db).as_sql()
    fields = [dataset.model._meta.get_field(name) for name in dataset.columns]
    convert = [
        (i, field.from_db_value)
        for i, field in enumerate(fields)
        if hasattr(field, "from_db_value")
    ]
    # Django's own server-side cursor (WITH HOLD in autocommit, as its iterator
    # uses), so the query is still seen by its logging and query counts.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(FETCH_ROWS):
            for row in chunk:
                if convert:
                    row = list(row)
                    for i, from_db in convert:
                        row[i] = from_db(row[i], None, connection)
                yield tuple(row)
