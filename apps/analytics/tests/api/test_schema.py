"""The OpenAPI schema validates, and every analytics endpoint goes through scoping."""

import io

import pytest
from django.core.management import call_command
from django.urls import get_resolver

from apps.core.scoping import ScopedAPIView


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(target),
        stdout=io.StringIO(),
    )
    schema = target.read_text()
    for path in (
        "/api/v1/analytics/dashboard/",
        "/api/v1/analytics/metrics/performance/",
        "/api/v1/analytics/metrics/engagement/",
        "/api/v1/analytics/track-engagement/",
        "/api/v1/analytics/metrics/system-health/",
        "/api/v1/analytics/system-health/status/",
        "/api/v1/analytics/reports/",
        "/api/v1/analytics/reports/{id}/",
        "/api/v1/analytics/reports/generate/",
        "/api/v1/analytics/export/",
    ):
        assert f"  {path}:" in schema


def _analytics_views():
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if str(pattern.pattern) == "api/v1/analytics/":
            for route in pattern.url_patterns:
                yield route.callback.view_class


@pytest.mark.parametrize("view", list(_analytics_views()), ids=lambda v: v.__name__)
def test_every_analytics_view_inherits_the_scoping_base(view):
    assert issubclass(view, ScopedAPIView)
    assert view.get_queryset is ScopedAPIView.get_queryset
