"""Browser protections on the pages the project serves (embedded default mode).

Production's HTTPS settings and its closed docs are checked in fresh interpreters,
in test_settings.
"""

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.core.tests.csp import csp_directives, inline_tags_without, policy_nonce


def assert_strict_policy(response) -> None:
    """The policy allows nothing inline but what carries this response's nonce."""
    directives = csp_directives(response)
    nonce = policy_nonce(directives)
    assert directives["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert directives["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    page = response.content.decode()
    assert inline_tags_without(nonce, page) == []
    # style="" attributes would need 'unsafe-inline': the pages use classes instead.
    assert ' style="' not in page


def test_the_api_docs_page_runs_under_the_policy(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert_strict_policy(response)
    page = response.content.decode()
    # Swagger UI's start-up script is inline, allowed by the nonce alone.
    assert "SwaggerUIBundle({" in page
    assert page.count("<script") == 3


@pytest.mark.django_db
def test_the_docs_page_of_a_signed_in_user_runs_under_the_policy(client):
    client.force_login(UserFactory())

    assert_strict_policy(client.get("/api/docs/"))


@pytest.mark.django_db
def test_the_web_app_pages_have_no_inline_script_or_style(client):
    # The sign-in page loads static CSS and JS files only.
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    page = response.content.decode()
    assert "<script>" not in page and "<style" not in page
    assert ' style="' not in page


@pytest.mark.django_db
def test_the_dashboard_has_only_plotlys_empty_nonced_style_element(client):
    client.force_login(UserFactory())
    response = client.get("/dashboard/")

    assert response.status_code == 200
    # Plotly inserts its rules into <style id="plotly.js-style-global"> (CSSOM).
    assert_strict_policy(response)
    assert '<style id="plotly.js-style-global" nonce=' in response.content.decode()


def test_a_response_without_inline_content_names_no_nonce(client):
    directives = csp_directives(client.get("/api/schema/"))

    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]


def test_schema_and_docs_are_public_outside_production(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_pages_forbid_framing_and_sniffing(client):
    response = client.get("/accounts/login/")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_https_redirect_or_hsts_outside_production(client):
    # `make run` serves http://127.0.0.1:8000: plain HTTP must not be redirected.
    assert client.get("/accounts/login/").status_code == 200
    # HSTS is only ever sent over HTTPS; even there, not outside production.
    response = client.get("/accounts/login/", secure=True)
    assert "Strict-Transport-Security" not in response.headers
