"""The landing page: where a newcomer finds the API, its docs and the admin."""

from django.shortcuts import render


def home(request):
    """Render the landing page."""
    return render(request, "core/home.html")
