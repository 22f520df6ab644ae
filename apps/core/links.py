"""Absolute links to the app's pages: the one rule for pages, API bodies and emails.

`ANALYTICS_BASE_URL`, when set, is the address people reach the app at (a proxy's
public name). Unset, a link is built from the request being answered, so it names
the host and port the server actually runs on; work with no request (scheduled
emails, alert notifications) falls back to `make run`'s address.
"""

from django.conf import settings

LOCAL_BASE_URL = "http://127.0.0.1:8000"


def absolute_url(path: str, request=None) -> str:
    """Return the absolute URL of a path on this app."""
    base = settings.ANALYTICS_BASE_URL.rstrip("/")
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    return LOCAL_BASE_URL + path
