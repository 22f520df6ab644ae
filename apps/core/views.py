"""The landing page: where a newcomer finds the API, its docs and the admin."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.defaults import page_not_found

from apps.core.api import error_body


def home(request):
    """Render the landing page."""
    return render(request, "core/home.html")


def not_found(request, exception=None):
    """Answer an unknown path: the API's error shape under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("not_found", "No such endpoint or object."), status=404
        )
    return page_not_found(request, exception)
