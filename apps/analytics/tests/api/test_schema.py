"""The OpenAPI schema validates and names every endpoint of the spec.

(That every endpoint is scoped is proven by behaviour in test_scoping.)
"""

import io

from django.core.management import call_command


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
        "/api/v1/analytics/privacy/users/{id}/export/",
        "/api/v1/analytics/privacy/users/{id}/erase/",
    ):
        assert f"  {path}:" in schema
