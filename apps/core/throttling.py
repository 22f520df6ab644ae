"""Throttles that fail open: a cache outage must not refuse or lose requests.

DRF's throttles keep their history in the cache (Redis in production). When the
cache cannot be reached, refusing every request would turn a Redis outage into an
API outage and lose the events clients send; so the request is let through, and
the failure is logged (the next request tries the cache again).
"""

import logging

from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class FailOpenScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that allows the request when its cache is unreachable."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # a cache outage; anything else is a bug, logged too
            logger.warning("Throttle %s not applied: %s", self.scope, exc)
            return True
