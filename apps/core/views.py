"""The site root and the not-found answer."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.defaults import page_not_found

from apps.core.api import error_body


def home(request):
    """Send a signed-in visitor to the dashboard and anyone else to sign in."""
    if request.user.is_authenticated:
        return redirect("analytics:dashboard")
    return redirect("login")


def not_found(request, exception=None):
    """Answer an unknown path: the API's error shape under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("not_found", "No such endpoint or object."), status=404
        )
    return page_not_found(request, exception)
