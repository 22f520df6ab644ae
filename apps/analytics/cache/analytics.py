"""AnalyticsCache: per-type timeouts, invalidation by type and user set, hit counting.

Every entry says whose data it holds: one user (`user=`), a set of users (`users=`,
e.g. a manager's team) or, when neither is given, the whole organisation. Invalidation
uses generation counters instead of key scans: an entry's key embeds the current
generation of everything (`all`) and of its type (`type:<t>`), and hashes in those of
its scope: `organisation` for an organisation entry, else `user:<id>` of every user in
its set, each also per type (`type:<t>:organisation`, `type:<t>:user:<id>`); all are
read with one `get_many`. Invalidating bumps counters, so the matching keys stop being
read at once and expire on their own; it works the same on Redis and the local-memory
cache and never runs `KEYS *`.

The rule for a change to user X's source data (`invalidate_users([X])`, what the
signals call): forget every organisation entry and every entry whose user set
includes X, nothing else; another team's cached dashboard is kept.
`invalidate_user(X)` forgets only the entries whose set includes X. A cache failure
is logged and counted, never raised: the caller computes instead.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache

from apps.analytics.cache.keys import PREFIX, digest, make_key
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
ORGANISATION = "organisation"
_MISSING = object()


def _generation_key(scope: str) -> str:
    return f"{PREFIX}:generation:{scope}"


def _user_id(user) -> int:
    return int(getattr(user, "pk", user))


def user_set(user=None, users: Iterable | None = None) -> tuple[int, ...] | None:
    """Return the sorted user ids an entry holds data of; None is the organisation."""
    if user is not None and users is not None:
        raise TypeError("pass user= or users=, not both")
    if user is not None:
        return (_user_id(user),)
    if users is None:
        return None
    return tuple(sorted({_user_id(each) for each in users}))


def _scopes(user_ids: tuple[int, ...] | None) -> list[str]:
    if user_ids is None:
        return [ORGANISATION]
    return [f"user:{pk}" for pk in user_ids]


class AnalyticsCache:
    """Cached analytics results by type, for one user, a set of users or everyone."""

    @staticmethod
    def timeout_for(cache_type: str) -> int:
        """Return the timeout of a cache type in seconds (read at call time)."""
        overrides = getattr(settings, "ANALYTICS_CACHE_TIMEOUTS", {}) or {}
        if cache_type in overrides:
            return int(overrides[cache_type])
        base = settings.ANALYTICS_CACHE_TIMEOUT
        return max(1, int(base * TIMEOUT_FACTORS.get(cache_type, 1)))

    @staticmethod
    def _generations(cache_type: str, user_ids) -> tuple[tuple[int, ...], list[int]]:
        """Return the (all, type) generations and those of the entry's scope."""
        scopes = []
        for scope in _scopes(user_ids):
            scopes += [scope, f"type:{cache_type}:{scope}"]
        keys = [_generation_key(s) for s in ["all", f"type:{cache_type}", *scopes]]
        found = cache.get_many(keys)
        generations = [int(found.get(key, 0)) for key in keys]
        return tuple(generations[:2]), generations[2:]

    @classmethod
    def make_key(cls, cache_type: str, params, user=None, users=None) -> str:
        """Return the current key of `params` for a type and whose data it holds."""
        return cls._key(cache_type, digest(params), user_set(user, users))

    @classmethod
    def _key(cls, cache_type: str, params_digest: str, user_ids) -> str:
        generations, scope_generations = cls._generations(cache_type, user_ids)
        # The scope's generations are hashed with the params: a team of any size
        # keeps the key short.
        payload = {
            "params": params_digest,
            "users": user_ids,
            "generations": scope_generations,
        }
        return make_key(cache_type, SCHEMA_VERSION, payload, *generations)

    @classmethod
    def get(cls, cache_type: str, params, user=None, default=None, *, users=None):
        """Return the cached value, or `default` on a miss or a cache failure."""
        # Outside the try: an argument that cannot be keyed is the caller's bug.
        params_digest, user_ids = digest(params), user_set(user, users)
        try:
            key = cls._key(cache_type, params_digest, user_ids)
            value = cache.get(key, _MISSING)
        except Exception as exc:
            cls._failed("get", exc)
            return default
        outcome = "miss" if value is _MISSING else "hit"
        CACHE_REQUESTS.labels(cache_type=cache_type, outcome=outcome).inc()
        return default if value is _MISSING else value

    @classmethod
    def set(
        cls, cache_type: str, params, value, user=None, timeout=None, *, users=None
    ) -> bool:
        """Store a value; return False (logged, counted) when the cache failed."""
        params_digest, user_ids = digest(params), user_set(user, users)
        if timeout is None:
            timeout = cls.timeout_for(cache_type)
        try:
            key = cls._key(cache_type, params_digest, user_ids)
            cache.set(key, value, timeout=timeout)
        except Exception as exc:
            cls._failed("set", exc)
            return False
        return True

    @classmethod
    def get_or_compute(
        cls, cache_type, params, compute, user=None, timeout=None, *, users=None
    ):
        """Return (value, is_cached): the cached value, or compute and store it.

        `user` (one user or id) or `users` (ids or users) say whose data the value
        holds; neither means the whole organisation.
        """
        value = cls.get(cache_type, params, user, default=_MISSING, users=users)
        if value is not _MISSING:
            return value, True
        value = compute()  # an exception propagates and nothing is cached
        cls.set(cache_type, params, value, user=user, timeout=timeout, users=users)
        return value, False

    @classmethod
    def invalidate_type(cls, cache_type: str) -> None:
        """Forget every cached result of a type."""
        cls._bump(f"type:{cache_type}")

    @classmethod
    def invalidate_user(cls, user) -> None:
        """Forget every cached result whose user set includes a user."""
        cls._bump(f"user:{_user_id(user)}")

    @classmethod
    def invalidate_users(
        cls,
        users: Iterable,
        *,
        cache_types: Iterable[str] | None = None,
        organisation: bool = True,
    ) -> None:
        """Forget what a change to these users' data makes stale.

        That is every entry whose user set includes one of them and (unless
        `organisation=False`) every organisation entry; of `cache_types` only, or
        of every type when None.
        """
        scopes = [f"user:{pk}" for pk in sorted({_user_id(u) for u in users})]
        if organisation:
            scopes.append(ORGANISATION)
        prefixes = [""] if cache_types is None else [f"type:{t}:" for t in cache_types]
        for prefix in prefixes:
            for scope in scopes:
                cls._bump(prefix + scope)

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
