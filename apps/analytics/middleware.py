"""Time every request: Prometheus counters here, a shared histogram for readings.

It lives in apps.analytics (an edge, like the API) rather than apps.core because
it writes to the analytics real-time store, which plumbing may not import.
"""

import logging
import time

from apps.analytics.cache.requests import record_request
from apps.analytics.observability import CACHE_FAILURES, HTTP_LATENCY, HTTP_REQUESTS

logger = logging.getLogger(__name__)

UNRESOLVED = "<unresolved>"  # 404s and the like: one label, not one per path


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else None) or UNRESOLVED
        status = response.status_code
        HTTP_REQUESTS.labels(view=view, method=request.method, status=status).inc()
        HTTP_LATENCY.labels(view=view).observe(seconds)
        try:
            record_request(
                minute=int(time.time() // 60),
                view=view,
                status=status,
                duration_ms=seconds * 1000,
            )
        except Exception as exc:  # the store being down must not fail the request
            CACHE_FAILURES.labels(operation="request_timings").inc()
            logger.warning("Recording request timings failed: %s", exc)
        return response
