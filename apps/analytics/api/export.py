"""GET /api/v1/analytics/export/: stream a dataset the caller may see as CSV or JSON.

One view serves four datasets whose rows are owned differently, so the attributes
ScopedAPIView scopes by (`scope_user_field`, `organisation_rows`, `required_permission`)
follow the dataset the request names. Rows come from a server-side cursor and are
written as they arrive, so memory stays flat however many rows an export holds.
"""

import csv
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django.db import models
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer

from apps.accounts.scope import Permission
from apps.analytics.api.params import DateRangeFilterSet
from apps.analytics.api.schema import ERRORS
from apps.analytics.limits import MAX_RANGE_DAYS
from apps.analytics.models import (
    DataQualityMetric,
    EngagementType,
    MetricType,
    PerformanceMetric,
    SystemHealthMetric,
    UserEngagementMetric,
)
from apps.core.models import AuditAction
from apps.core.scoping import ScopedAPIView

# Rows per round trip of the server-side cursor.
FETCH_ROWS = 2000
# Text gathered before each write: one write per row would cost more than the row.
CHUNK_CHARS = 64 * 1024
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


class PerformanceExportFilter(DateRangeFilterSet):
    date_field = "period_start"
    metric_type = django_filters.ChoiceFilter(choices=MetricType.choices)


class EngagementExportFilter(DateRangeFilterSet):
    engagement_type = django_filters.ChoiceFilter(choices=EngagementType.choices)


class DataQualityExportFilter(DateRangeFilterSet):
    date_field = "measured_at"


class SystemHealthExportFilter(DateRangeFilterSet):
    component = django_filters.CharFilter()


@dataclass(frozen=True)
class Dataset:
    """What one `dataset` exports, and who may see which of its rows."""

    name: str
    model: type[models.Model]
    filterset: type[DateRangeFilterSet]
    columns: tuple[str, ...]
    user_field: str | None = "user"
    organisation_rows: bool = False
    required_permission: str | None = None

    @property
    def date_field(self) -> str:
        """Return the field the date range filters on and the export is sorted by."""
        return self.filterset.date_field


DATASETS = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            name="performance",
            model=PerformanceMetric,
            filterset=PerformanceExportFilter,
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
            organisation_rows=True,
        ),
        Dataset(
            name="engagement",
            model=UserEngagementMetric,
            filterset=EngagementExportFilter,
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
        ),
        Dataset(
            name="data_quality",
            model=DataQualityMetric,
            filterset=DataQualityExportFilter,
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
            organisation_rows=True,
        ),
        Dataset(
            name="system_health",
            model=SystemHealthMetric,
            filterset=SystemHealthExportFilter,
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
            # Raw health readings belong to no user: ScopedAPIView leaves them
            # unscoped, so the permission alone guards them (metrics.md, Access).
            user_field=None,
            required_permission=Permission.RAW_SYSTEM_HEALTH,
        ),
    )
}
DEFAULT_DATASET = "performance"
# Filters some datasets have: asked of another dataset, they are an error, not a
# silent "everything".
DATASET_FILTERS = frozenset(
    name
    for dataset in DATASETS.values()
    for name in dataset.filterset.base_filters
    if name not in DateRangeFilterSet.base_filters
)


class _Echo:
    """Hand back what csv.writer writes, so each row becomes a string to yield."""

    def write(self, value: str) -> str:
        return value


def _csv_text(field: models.Field, zone) -> Callable | None:
    """Return how a column of `field` becomes CSV text, or None to write it as is."""
    if isinstance(field, models.JSONField):
        # Always: a JSON null is "null", unlike SQL NULL, which is an empty cell.
        return lambda value: json.dumps(
            value, separators=(",", ":"), ensure_ascii=False
        )
    if isinstance(field, models.DateTimeField):
        return lambda value: (
            None if value is None else value.astimezone(zone).isoformat()
        )
    if isinstance(field, models.BooleanField):
        return lambda value: None if value is None else str(value).lower()
    return None


def csv_lines(dataset: Dataset, rows: Iterable[tuple]) -> Iterator[str]:
    """Yield the header, then a CSV line per row: ISO times, JSON text, "" for None."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(dataset.columns)
    zone = timezone.get_current_timezone()
    # Converting only the columns that need it: exports run to millions of cells.
    converters = [
        (i, convert)
        for i, name in enumerate(dataset.columns)
        if (convert := _csv_text(dataset.model._meta.get_field(name), zone))
    ]
    for row in rows:
        cells = list(row)
        for i, convert in converters:
            cells[i] = convert(cells[i])
        yield writer.writerow(cells)  # csv writes None as an empty cell


def json_lines(dataset: Dataset, rows: Iterable[tuple]) -> Iterator[str]:
    """Yield a JSON array of one object per row, element by element."""
    zone = timezone.get_current_timezone()

    def plain(value):
        if isinstance(value, dt.datetime):
            return value.astimezone(zone).isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        raise TypeError(f"cannot export {type(value).__name__} as JSON")

    yield "["
    separator = ""
    for row in rows:
        record = dict(zip(dataset.columns, row, strict=True))
        yield separator + json.dumps(record, default=plain, separators=(",", ":"))
        separator = ",\n"
    yield "]\n"


WRITERS = {
    "csv": (CSV_CONTENT_TYPE, csv_lines),
    "json": (JSON_CONTENT_TYPE, json_lines),
}
DEFAULT_FORMAT = "json"


def in_chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    """Join small strings into UTF-8 blocks of about CHUNK_CHARS characters."""
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


class ErrorsAsJSON(BaseContentNegotiation):
    """Render every error as JSON, whatever `?format=` or Accept ask for.

    DRF reads `?format=` to choose a renderer and answers 404 for `csv`; here
    `format` chooses the export's writer, and the export never goes through a
    renderer: only errors do.
    """

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


EXPORTED = (
    "`format=csv`: a header row, then one row per record (ISO 8601 times, JSON "
    "text for metadata, empty cells for nulls). `format=json`: an array of one "
    "object per record."
)


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


class ExportView(ScopedAPIView):
    """Stream one dataset the caller may see, as CSV or JSON."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJSON
    throttle_scope = "export"
    audit_action = AuditAction.EXPORT
    # The dataset's own filter set runs in get(): which one depends on the request.
    filter_backends = []

    @cached_property
    def dataset(self) -> Dataset:
        """Return the dataset the request names (read first, for the permission)."""
        name = self.request.query_params.get("dataset") or DEFAULT_DATASET
        if name not in DATASETS:
            raise ValidationError(
                {"dataset": [f"Choose one of: {_choices(DATASETS)}."]}
            )
        return DATASETS[name]

    # What ScopedAPIView scopes and checks permissions by: the dataset's answers.
    @property
    def scope_user_field(self) -> str | None:
        return self.dataset.user_field

    @property
    def organisation_rows(self) -> bool:
        return self.dataset.organisation_rows

    @property
    def required_permission(self) -> str | None:
        return self.dataset.required_permission

    def get_base_queryset(self):
        return self.dataset.model.objects.all()

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(WRITERS), default=DEFAULT_FORMAT),
            OpenApiParameter(
                "dataset",
                str,
                enum=list(DATASETS),
                default=DEFAULT_DATASET,
                description="`system_health` is for admins only.",
            ),
            OpenApiParameter(
                "metric_type",
                str,
                enum=MetricType.values,
                description="Only with `dataset=performance`.",
            ),
            OpenApiParameter(
                "engagement_type",
                str,
                enum=EngagementType.values,
                description="Only with `dataset=engagement`.",
            ),
            OpenApiParameter(
                "component", str, description="Only with `dataset=system_health`."
            ),
            OpenApiParameter(
                "start_date",
                OpenApiTypes.DATE,
                description="First local day included (YYYY-MM-DD).",
            ),
            OpenApiParameter(
                "end_date",
                OpenApiTypes.DATE,
                description=(
                    "Last local day included (YYYY-MM-DD); a range covers at most "
                    f"{MAX_RANGE_DAYS} days."
                ),
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=EXPORTED),
            (200, JSON_CONTENT_TYPE): OpenApiResponse(
                {"type": "array", "items": {"type": "object"}}, description=EXPORTED
            ),
            **ERRORS,
        },
        description=(
            "Download the rows of one dataset the caller may see (members their own, "
            "managers their team's plus organisation-wide ones, admins all), oldest "
            "first, as an attachment. The body is streamed, so exports of any size "
            "take little memory."
        ),
    )
    def get(self, request):
        params = request.query_params
        dataset = self.dataset
        export_format = params.get("format") or DEFAULT_FORMAT
        filterset = dataset.filterset(params, queryset=self.get_queryset())

        errors = {}
        if export_format not in WRITERS:
            errors["format"] = [f"Choose one of: {_choices(WRITERS)}."]
        for name in sorted(DATASET_FILTERS - filterset.filters.keys()):
            if params.get(name):
                errors[name] = [f"Not a filter of dataset={dataset.name}."]
        if not filterset.is_valid():
            errors.update(translate_validation(filterset.errors).detail)
        if errors:
            raise ValidationError(errors)

        rows = (
            filterset.qs.order_by(dataset.date_field, "pk")
            .values_list(*dataset.columns)
            .iterator(chunk_size=FETCH_ROWS)
        )
        content_type, write = WRITERS[export_format]
        response = StreamingHttpResponse(
            in_chunks(write(dataset, rows)), content_type=content_type
        )
        dates = filterset.form.cleaned_data
        start, end = dates.get("start_date"), dates.get("end_date")
        filename = f"{dataset.name}-{start or 'all'}-{end or 'all'}.{export_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
