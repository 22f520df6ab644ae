"""Reading a page's Content-Security-Policy in tests."""

import re

# An inline script (one without src=) or a style element, with its attributes.
INLINE_TAG = re.compile(r"<(script(?![^>]*\ssrc=)|style)(\s[^>]*)?>", re.IGNORECASE)


def csp_directives(response) -> dict[str, list[str]]:
    """Return the response's Content-Security-Policy as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def policy_nonce(directives: dict[str, list[str]]) -> str:
    """Return the nonce the policy allows for scripts (the same one for styles)."""
    (nonce,) = [
        source[len("'nonce-") : -1]
        for source in directives["script-src"]
        if source.startswith("'nonce-")
    ]
    return nonce


def inline_tags_without(nonce: str, page: str) -> list[str]:
    """Return the inline <script> and <style> tags that do not carry the nonce."""
    return [
        match.group(0)
        for match in INLINE_TAG.finditer(page)
        if f'nonce="{nonce}"' not in match.group(0)
    ]
