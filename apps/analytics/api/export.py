"""GET /api/v1/analytics/export/: stream a dataset the caller may see as CSV or JSON.

One view serves four datasets whose rows are owned differently, so the attributes
ScopedAPIView checks permissions and audits by (`scope_user_field`,
`organisation_rows`, `required_permission`) follow the dataset the request names.
The view parses the request, asks `export_rows` for the rows the caller's scope may
see, and streams them through a writer, so memory stays flat however many rows an
export holds. Anonymised exports (`ANALYTICS_ANONYMIZE_EXPORTS`, or an admin's
`anonymize=true`) write each user id as its pseudonym on the way out.
"""

from collections.abc import Iterable
from functools import cached_property

from django import forms
from django.conf import settings
from django.db import models
from django.http import StreamingHttpResponse
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer

from apps.accounts.scope import Permission
from apps.analytics.api.params import DateRangeForm
from apps.analytics.api.schema import ERRORS
from apps.analytics.export_formats import JSON_CONTENT_TYPE, WRITERS, in_chunks
from apps.analytics.limits import MAX_RANGE_DAYS
from apps.analytics.models import EngagementType, MetricType
from apps.analytics.selectors.export import (
    DATASETS,
    DEFAULT_DATASET,
    Dataset,
    export_rows,
)
from apps.analytics.services.privacy import pseudonymise_rows
from apps.core.models import AuditAction
from apps.core.scoping import ScopedAPIView

DEFAULT_FORMAT = "json"
ANONYMIZE_VALUES = {"true": True, "1": True, "false": False, "0": False}


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


class ExportForm(DateRangeForm):
    """The dates of an export, checked by the one date-range rule."""

    start_date = forms.DateField(required=False)
    end_date = forms.DateField(required=False)


def _filter_field(model: type[models.Model], name: str) -> forms.Field:
    """Return the form field of an exact-match filter: the model's choices, if any."""
    field = model._meta.get_field(name)
    if field.choices:
        return forms.ChoiceField(choices=field.choices, required=False)
    return forms.CharField(required=False)


def _form_for(dataset: Dataset) -> type[ExportForm]:
    """Return the form of a dataset's query: the dates, then its own filters."""
    fields = {name: _filter_field(dataset.model, name) for name in dataset.filters}
    return type(f"{dataset.name}_export_form", (ExportForm,), fields)


FORMS = {name: _form_for(dataset) for name, dataset in DATASETS.items()}
# Filters some datasets have: asked of another dataset, they are an error, not a
# silent "everything".
DATASET_FILTERS = frozenset(
    name for dataset in DATASETS.values() for name in dataset.filters
)


class ExportView(ScopedAPIView):
    """Stream one dataset the caller may see, as CSV or JSON."""

    reads_from_replica = True

    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJSON
    throttle_scope = "export"
    audit_action = AuditAction.EXPORT
    # The dataset's own form parses the filters in get(): which one depends on the
    # request, and export_rows applies them.
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

    # What ScopedAPIView checks permissions and audits by: the dataset's answers.
    @property
    def scope_user_field(self) -> str | None:
        return self.dataset.user_field

    @property
    def organisation_rows(self) -> bool:
        return self.dataset.organisation_rows

    @property
    def required_permission(self) -> str | None:
        return self.dataset.required_permission

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
                "anonymize",
                bool,
                description=(
                    "Admins only (400 for others): write each `user_id` as its "
                    "pseudonym (`anon-` and 16 hex digits, stable, an HMAC of the "
                    "id); null stays null. With `ANALYTICS_ANONYMIZE_EXPORTS` on, "
                    "every export is anonymised and `false` does not turn it off."
                ),
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
        form = FORMS[dataset.name](params)

        errors = {}
        if export_format not in WRITERS:
            errors["format"] = [f"Choose one of: {_choices(WRITERS)}."]
        for name in sorted(DATASET_FILTERS - set(dataset.filters)):
            if params.get(name):
                errors[name] = [f"Not a filter of dataset={dataset.name}."]
        if not form.is_valid():
            errors.update(translate_validation(form.errors).detail)
        anonymize = self._anonymize(params.get("anonymize"), errors)
        if errors:
            raise ValidationError(errors)

        given = form.cleaned_data
        start, end = given["start_date"], given["end_date"]
        rows = export_rows(
            dataset,
            self.scope,
            start_date=start,
            end_date=end,
            filters={name: given[name] for name in dataset.filters if given[name]},
        )
        if anonymize:
            rows = pseudonymise_rows(dataset.columns, rows)
        content_type, write = WRITERS[export_format]
        response = StreamingHttpResponse(
            in_chunks(write(dataset.model, dataset.columns, rows)),
            content_type=content_type,
        )
        filename = f"{dataset.name}-{start or 'all'}-{end or 'all'}.{export_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def _anonymize(self, raw: str | None, errors: dict) -> bool:
        """Tell whether user ids are written as pseudonyms; note a bad `anonymize`.

        The setting anonymises every export, and `false` cannot undo it. Choosing
        per request is an admin's flag: others get a 400 rather than having it
        ignored, which would hand ids to a caller who asked for none.
        """
        if raw is None:
            return settings.ANALYTICS_ANONYMIZE_EXPORTS
        if not self.scope.allows(Permission.PERSONAL_DATA):
            errors["anonymize"] = ["Only admins may choose anonymize."]
            return True
        if raw.lower() not in ANONYMIZE_VALUES:
            errors["anonymize"] = ["Choose true or false."]
            return True
        return settings.ANALYTICS_ANONYMIZE_EXPORTS or ANONYMIZE_VALUES[raw.lower()]
