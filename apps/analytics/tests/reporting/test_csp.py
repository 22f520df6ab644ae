"""The report page under the Content-Security-Policy: no inline code without a nonce."""

import pytest

from apps.analytics.tests.reporting.test_rendering import completed_report, urls
from apps.core.tests.csp import csp_directives, inline_tags_without, policy_nonce


@pytest.mark.django_db
def test_report_page_allows_no_inline_script_or_style_but_its_own(client):
    report = completed_report()
    client.force_login(report.created_by)

    response = client.get(urls(report)["detail"])

    assert response.status_code == 200
    directives = csp_directives(response)
    nonce = policy_nonce(directives)
    assert directives["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert directives["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    page = response.content.decode()
    # The page's one stylesheet carries the nonce; the charts draw with attributes.
    assert page.count(f'<style nonce="{nonce}">') == 1
    assert inline_tags_without(nonce, page) == []
    assert "<svg" in page
    assert ' style="' not in page


@pytest.mark.django_db
def test_each_report_page_gets_a_fresh_nonce(client):
    report = completed_report()
    client.force_login(report.created_by)

    first = policy_nonce(csp_directives(client.get(urls(report)["detail"])))
    second = policy_nonce(csp_directives(client.get(urls(report)["detail"])))

    assert first != second
    assert len(first) == 24  # 16 random bytes, base64
