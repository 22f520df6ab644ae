"""Answer 503 with Retry-After, not 500, when the database cannot be reached.

API views already answer so through apps.core.api's exception handler; this covers
everything else (report pages, the admin, session lookups): JSON under /api/, plain
text elsewhere.
"""

from django.http import HttpResponse, JsonResponse

from apps.core.api import (
    DATABASE_RETRY_AFTER_SECONDS,
    DATABASE_UNAVAILABLE,
    error_body,
)

MESSAGE = "The database is unavailable right now; try again shortly."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        if request.path.startswith("/api/"):
            response = JsonResponse(
                error_body("service_unavailable", MESSAGE), status=503
            )
        else:
            response = HttpResponse(
                MESSAGE + "\n", status=503, content_type="text/plain; charset=utf-8"
            )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
