"""Throttles that fail open: a cache outage must not refuse or lose requests.

DRF's throttles keep their history in the cache (Redis in production). When the
cache cannot be reached, refusing every request would turn a Redis outage into an
API outage and lose the events clients send; so the request is let through, and
the failure is logged (the next request tries the cache again).

On Redis the history is a sorted set of request times, trimmed, added to and
counted in one pipelined round trip: DRF's history in the cache costs a GET and
then a SET of the pickled list, two round trips on every tracked event. The
window is DRF's sliding one: a refused request is taken back out of the set (a
second round trip, only when refusing).
"""

import logging
import math
import os

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)


def _redis():
    """Return the Redis client of the default cache, or None on another cache."""
    if not settings.CACHES["default"]["BACKEND"].startswith("django_redis."):
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


class FailOpenScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that allows the request when its cache is unreachable."""

    # (requests in the window, oldest one's time) when refused on Redis.
    refused_history: tuple[int, float] | None = None

    def allow_request(self, request, view):
        try:
            return self._allow(request, view)
        except Exception as exc:  # a cache outage; anything else is a bug, logged too
            logger.warning("Throttle %s not applied: %s", self.scope, exc)
            return True

    def _allow(self, request, view) -> bool:
        # ScopedRateThrottle's own preamble: the rate comes from the view's scope.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        redis = _redis()
        if redis is None:
            return SimpleRateThrottle.allow_request(self, request, view)
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return True
        self.now = self.timer()
        key = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{key}"
        member = f"{self.now!r}:{os.urandom(4).hex()}"
        pipe = redis.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", self.now - self.duration)
        pipe.zadd(key, {member: self.now})
        pipe.zcard(key)
        pipe.zrange(key, 0, 0, withscores=True)
        pipe.expire(key, math.ceil(self.duration))
        _, _, count, oldest, _ = pipe.execute()
        if count <= self.num_requests:
            return True
        redis.zrem(key, member)
        self.refused_history = (count - 1, oldest[0][1] if oldest else self.now)
        return False

    def wait(self):
        if self.refused_history is None:
            return super().wait()
        count, oldest = self.refused_history
        remaining = self.duration - (self.now - oldest)
        available = self.num_requests - count + 1
        return None if available <= 0 else remaining / float(available)
