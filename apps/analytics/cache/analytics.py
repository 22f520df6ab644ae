"""AnalyticsCache: per-type timeouts, pattern and per-user invalidation, hit counting.

Invalidation uses generation counters instead of key scans: every key embeds the
current generation of everything, of its type and (for per-user entries) of its
user. Invalidating bumps one counter, so all matching keys stop being read at once
and expire on their own; it works the same on Redis and the local-memory cache and
never runs `KEYS *`. A cache failure is logged and counted, never raised: the caller
computes instead.
"""

import logging

from django.conf import settings
from django.core.cache import cache

from apps.analytics.cache.keys import PREFIX, make_key
from apps.analytics.observability import CACHE_FAILURES, CACHE_REQUESTS, counter_value

logger = logging.getLogger(__name__)

# Bump when the shape of cached values changes: old entries are simply never read.
SCHEMA_VERSION = 1
# Timeout factor per cache type filled in production, applied to
# ANALYTICS_CACHE_TIMEOUT (any other type gets x1); settings.ANALYTICS_CACHE_TIMEOUTS
# overrides any type in seconds.
TIMEOUT_FACTORS = {
    "dashboard": 1,
}
GENERATION_TTL = 60 * 60 * 24 * 30  # outlives every entry that embeds it
_MISSING = object()


def _generation_key(scope: str) -> str:
    return f"{PREFIX}:generation:{scope}"


def _user_id(user) -> int | None:
    return getattr(user, "pk", user)


class AnalyticsCache:
    """Cached analytics results by type, optionally per user."""

    @staticmethod
    def timeout_for(cache_type: str) -> int:
        """Return the timeout of a cache type in seconds (read at call time)."""
        overrides = getattr(settings, "ANALYTICS_CACHE_TIMEOUTS", {}) or {}
        if cache_type in overrides:
            return int(overrides[cache_type])
        base = settings.ANALYTICS_CACHE_TIMEOUT
        return max(1, int(base * TIMEOUT_FACTORS.get(cache_type, 1)))

    @staticmethod
    def _generations(cache_type: str, user_id) -> tuple[int, ...]:
        scopes = ["all", f"type:{cache_type}"]
        if user_id is not None:
            scopes.append(f"user:{user_id}")
        keys = [_generation_key(scope) for scope in scopes]
        found = cache.get_many(keys)
        return tuple(int(found.get(key, 0)) for key in keys)

    @classmethod
    def make_key(cls, cache_type: str, params, user=None) -> str:
        """Return the current key of `params` for a type (and user)."""
        user_id = _user_id(user)
        return make_key(
            cache_type,
            SCHEMA_VERSION,
            {"params": params, "user": user_id},
            *cls._generations(cache_type, user_id),
        )

    @classmethod
    def get(cls, cache_type: str, params, user=None, default=None):
        """Return the cached value, or `default` on a miss or a cache failure."""
        try:
            value = cache.get(cls.make_key(cache_type, params, user), _MISSING)
        except Exception as exc:
            cls._failed("get", exc)
            return default
        outcome = "miss" if value is _MISSING else "hit"
        CACHE_REQUESTS.labels(cache_type=cache_type, outcome=outcome).inc()
        return default if value is _MISSING else value

    @classmethod
    def set(cls, cache_type: str, params, value, user=None, timeout=None) -> bool:
        """Store a value; return False (logged, counted) when the cache failed."""
        try:
            cache.set(
                cls.make_key(cache_type, params, user),
                value,
                timeout=cls.timeout_for(cache_type) if timeout is None else timeout,
            )
        except Exception as exc:
            cls._failed("set", exc)
            return False
        return True

    @classmethod
    def get_or_compute(cls, cache_type, params, compute, user=None, timeout=None):
        """Return (value, is_cached): the cached value, or compute and store it."""
        value = cls.get(cache_type, params, user, default=_MISSING)
        if value is not _MISSING:
            return value, True
        value = compute()  # an exception propagates and nothing is cached
        cls.set(cache_type, params, value, user=user, timeout=timeout)
        return value, False

    @classmethod
    def invalidate_type(cls, cache_type: str) -> None:
        """Forget every cached result of a type."""
        cls._bump(f"type:{cache_type}")

    @classmethod
    def invalidate_user(cls, user) -> None:
        """Forget every cached result computed for a user."""
        cls._bump(f"user:{_user_id(user)}")

    @classmethod
    def invalidate_all(cls) -> None:
        """Forget every cached analytics result."""
        cls._bump("all")

    @classmethod
    def stats(cls) -> dict:
        """Return hits, misses and hit rate per cache type seen by this process."""
        result = {}
        for cache_type in sorted({*TIMEOUT_FACTORS, *cls._seen_types()}):
            hits = counter_value(CACHE_REQUESTS, cache_type=cache_type, outcome="hit")
            misses = counter_value(
                CACHE_REQUESTS, cache_type=cache_type, outcome="miss"
            )
            total = hits + misses
            result[cache_type] = {
                "hits": int(hits),
                "misses": int(misses),
                "hit_rate": round(hits / total, 4) if total else None,
            }
        return result

    @staticmethod
    def _seen_types() -> "set[str]":
        return {
            sample.labels["cache_type"]
            for metric in CACHE_REQUESTS.collect()
            for sample in metric.samples
            if sample.name.endswith("_total")
        }

    @classmethod
    def _bump(cls, scope: str) -> None:
        key = _generation_key(scope)
        try:
            # add() is a no-op when the counter exists; incr() is atomic on Redis.
            cache.add(key, 0, timeout=GENERATION_TTL)
            cache.incr(key)
            cache.touch(key, GENERATION_TTL)
        except ValueError:
            # Expired between add() and incr(): start again from a fresh counter.
            cache.set(key, 1, timeout=GENERATION_TTL)
        except Exception as exc:
            cls._failed("invalidate", exc)

    @staticmethod
    def _failed(operation: str, exc: Exception) -> None:
        CACHE_FAILURES.labels(operation=operation).inc()
        logger.warning("Analytics cache %s failed: %s", operation, exc)
