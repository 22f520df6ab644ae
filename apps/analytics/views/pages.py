"""Dashboard, metric detail, system health, alerts and export pages.

Pages render the frame (navigation, whose figures, the period) and what does not
change while one looks at it; the figures that refresh live are drawn by static
JS from the same JSON API, under the same scope.
"""

import json
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.accounts.scope import Permission
from apps.analytics.models import AlertState, EngagementType, MetricType
from apps.analytics.selectors.alerts import visible_alerts
from apps.analytics.selectors.export import DATASETS
from apps.analytics.selectors.health import current_readings, recent_readings
from apps.analytics.selectors.snapshots import METRICS
from apps.analytics.services.dashboard import metric_breakdown
from apps.analytics.views.common import (
    PERIOD_CHOICES,
    PeriodForm,
    page_scopes,
    view_choices,
)

DEFAULT_DAYS = 7
DETAIL_DEFAULT_DAYS = 90


def _period(request, default_days):
    """Return the period form and the period's query string (for API calls, links)."""
    form = PeriodForm(request.GET)
    form.is_valid()
    data = form.cleaned_data if not form.errors else {}
    if data.get("start"):
        query = {"start": data["start"], "end": data["end"]}
    else:
        query = {"days": data.get("days") or default_days}
    return form, query


def _who(request) -> dict:
    return {
        key: request.GET[key] for key in ("user_id", "team") if request.GET.get(key)
    }


def _frame(request, current, default_days):
    """Return the scope, the part shown, and the context every dashboard page has."""
    scope, viewed = page_scopes(request)
    form, period = _period(request, default_days)
    who = _who(request)
    context = {
        "viewed": viewed,
        "choices": view_choices(scope, viewed),
        "form": form,
        "period": period,
        "period_choices": PERIOD_CHOICES,
        "who": who,
        "who_query": urlencode(who),
        "api_query": urlencode({**period, **who}),
        "custom": "start" in period,
    }
    return scope, viewed, form, context


@require_safe
@login_required
def dashboard_page(request):
    """Render the live dashboard of the viewer's scope, or of a user or team in it."""
    scope, _, form, context = _frame(request, "dashboard", DEFAULT_DAYS)
    context["metrics"] = [
        {"type": metric, "label": label, "format": fmt}
        for metric, label, fmt in METRICS
    ]
    context["shows_alerts"] = scope.allows(Permission.ALERTS)
    context["shows_health"] = scope.allows(Permission.SYSTEM_HEALTH_STATUS)
    status = 400 if form.errors else 200
    return render(request, "analytics/web/dashboard.html", context, status=status)


RATE_KEYS = ("accuracy", "rate", "confidence", "calibration")


def _format_of(key: str) -> str:
    """Name how the browser formats a breakdown figure (format.js)."""
    if key.endswith("_ms"):
        return "duration_ms"
    if any(word in key for word in RATE_KEYS):
        return "percent"
    return "number"


def _label(key: str) -> str:
    return key.removesuffix("_ms").replace("_", " ").capitalize()


def _table(mapping: dict | None) -> dict | None:
    """Return {name: {figure: value}} as a table: column labels and formatted rows."""
    if not mapping:
        return None
    keys = list(next(iter(mapping.values())))
    return {
        "columns": [_label(key) for key in keys],
        "rows": [
            {
                "name": name,
                "cells": [(figures.get(key), _format_of(key)) for key in keys],
            }
            for name, figures in sorted(mapping.items())
        ],
    }


@require_safe
@login_required
def metric_page(request, metric_type):
    """Render one metric: its long series and the breakdowns of its window."""
    if metric_type not in MetricType.values:
        raise Http404("No such metric.")
    _, viewed, form, context = _frame(request, "dashboard", DETAIL_DEFAULT_DAYS)
    status = 200
    figure = None
    if form.errors:
        status = 400
    else:
        figure = metric_breakdown(
            viewed, metric_type, **form.window(DETAIL_DEFAULT_DAYS)
        )
    breakdown = (figure or {}).get("breakdown") or {}
    matrix = breakdown.get("confusion_matrix") or {}
    columns = sorted({col for row in matrix.values() for col in row})
    context.update(
        metric_type=metric_type,
        label=dict((m, label) for m, label, _ in METRICS)[metric_type],
        figure=figure,
        breakdown=breakdown,
        matrix_columns=columns,
        matrix_rows=[
            {"name": name, "cells": [row.get(col, 0) for col in columns]}
            for name, row in sorted(matrix.items())
        ],
        by_field=_table(breakdown.get("by_field")),
        sync_groups=[
            (caption, table)
            for caption, table in (
                ("Direction", _table(breakdown.get("by_direction"))),
                ("Provider", _table(breakdown.get("by_provider"))),
            )
            if table
        ],
        top_errors=breakdown.get("top_errors") or [],
        counts=[
            (_label(key), value, _format_of(key))
            for key, value in breakdown.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        ],
    )
    return render(request, "analytics/web/metric.html", context, status=status)


@require_safe
@login_required
def health_page(request):
    """Render each health check's status and its recent readings (admins)."""
    scope, _ = page_scopes(request)
    if not scope.allows(Permission.RAW_SYSTEM_HEALTH):
        raise Http404("No such page.")
    recent = recent_readings()
    checks = [
        {
            "current": reading,
            "recent": recent.get((reading.component, reading.health_type), []),
        }
        for reading in current_readings()
    ]
    return render(
        request,
        "analytics/web/health.html",
        {"checks": checks},
    )


@require_safe
@login_required
def alerts_page(request):
    """Render the alerts the viewer may see; admins acknowledge and silence them."""
    scope, _ = page_scopes(request)
    if not scope.allows(Permission.ALERTS):
        raise Http404("No such page.")
    state = request.GET.get("state") or ""
    alerts = visible_alerts(scope).select_related("rule", "acknowledged_by")
    if state in AlertState.values:
        alerts = alerts.filter(state=state)
    alerts = list(alerts.order_by("-since", "-pk")[:200])
    for alert in alerts:  # the silence button's matchers
        alert.labels_json = json.dumps(alert.labels)
    return render(
        request,
        "analytics/web/alerts.html",
        {
            "alerts": alerts,
            "states": AlertState.choices,
            "state": state,
            "manages": scope.allows(Permission.MANAGE_ALERTS),
        },
    )


@require_safe
@login_required
def export_page(request):
    """Render the export form; it downloads from the export API (same checks)."""
    scope, _ = page_scopes(request)
    datasets = [
        name
        for name, dataset in DATASETS.items()
        if dataset.required_permission is None
        or scope.allows(dataset.required_permission)
    ]
    return render(
        request,
        "analytics/web/export.html",
        {
            "datasets": datasets,
            "metric_types": MetricType.choices,
            "engagement_types": EngagementType.choices,
            "anonymize": scope.allows(Permission.PERSONAL_DATA),
        },
    )
