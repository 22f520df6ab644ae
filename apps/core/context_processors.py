"""The navigation of every page: only what the viewer's role may open (Scope)."""

from apps.accounts.scope import Permission, Scope

# (URL name, label, permission needed or None)
PAGES = (
    ("analytics:dashboard", "Dashboard", None),
    ("analytics:reports", "Reports", None),
    ("analytics:export", "Export", None),
    ("analytics:alerts", "Alerts", Permission.ALERTS),
    ("analytics:health", "System health", Permission.RAW_SYSTEM_HEALTH),
)
# Pages that belong under a navigation item.
SECTIONS = {
    "analytics:metric-detail": "analytics:dashboard",
    "analytics:report-detail": "analytics:reports",
}


def navigation(request) -> dict:
    """Return `nav_items` for a signed-in viewer (none for anyone else)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = Scope.for_viewer(user)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    current = SECTIONS.get(current, current)
    return {
        "nav_items": [
            {"url_name": name, "label": label, "current": name == current}
            for name, label, permission in PAGES
            if permission is None or scope.allows(permission)
        ]
    }
