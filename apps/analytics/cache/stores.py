"""Where real-time counters live: Redis (atomic across processes) or the local cache.

Both stores keep the same structures, named like Redis types:
- a hash per minute bucket of event counts, field `<user_id>|<engagement_type>`;
- a hash per minute bucket of engagement seconds, field `<user_id>`;
- a set per minute bucket of `<user_id>|<session_id>`;
- one sorted set of user ids scored by when each was last active.
"""

import threading
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache

BUCKET_TTL = 3 * 60 * 60  # long enough for the hourly fold after its hour ends


class RedisStore:
    """Counters in Redis: one pipelined round trip per write, atomic increments."""

    def __init__(self):
        from django_redis import get_redis_connection

        self.redis = get_redis_connection("default")
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        self.prefix = f"{prefix}:analytics:rt:"

    def record(self, increments) -> None:
        """Apply Increments (see RealTimeAnalyticsCache) in one pipeline."""
        pipe = self.redis.pipeline(transaction=False)
        for minute, counts in increments.events.items():
            key = f"{self.prefix}{minute}:events"
            for field, n in counts.items():
                pipe.hincrby(key, field, n)
            pipe.expire(key, BUCKET_TTL)
        for minute, seconds in increments.seconds.items():
            key = f"{self.prefix}{minute}:seconds"
            for field, value in seconds.items():
                pipe.hincrbyfloat(key, field, value)
            pipe.expire(key, BUCKET_TTL)
        for minute, members in increments.sessions.items():
            key = f"{self.prefix}{minute}:sessions"
            pipe.sadd(key, *members)
            pipe.expire(key, BUCKET_TTL)
        if increments.last_seen:
            pipe.zadd(f"{self.prefix}active", increments.last_seen, gt=True)
        pipe.execute()

    def read_minutes(self, minutes) -> list[tuple[dict, dict, set]]:
        """Return (events, seconds, sessions) of each minute bucket."""
        pipe = self.redis.pipeline(transaction=False)
        for minute in minutes:
            pipe.hgetall(f"{self.prefix}{minute}:events")
            pipe.hgetall(f"{self.prefix}{minute}:seconds")
            pipe.smembers(f"{self.prefix}{minute}:sessions")
        raw = pipe.execute()
        buckets = []
        for i in range(0, len(raw), 3):
            events = {k.decode(): int(v) for k, v in raw[i].items()}
            seconds = {k.decode(): float(v) for k, v in raw[i + 1].items()}
            sessions = {m.decode() for m in raw[i + 2]}
            buckets.append((events, seconds, sessions))
        return buckets

    def active_since(self, epoch: float) -> list[int]:
        """Return the ids of users active at or after `epoch`, trimming older ones."""
        key = f"{self.prefix}active"
        pipe = self.redis.pipeline(transaction=False)
        pipe.zremrangebyscore(key, "-inf", epoch - BUCKET_TTL)
        pipe.zrangebyscore(key, epoch, "+inf")
        _, members = pipe.execute()
        return sorted(int(m) for m in members)


class LocalStore:
    """The same structures in Django's cache, for the embedded default.

    The local-memory cache lives in one process, so a process lock makes each
    read-modify-write atomic, as Redis commands are.
    """

    lock = threading.Lock()
    prefix = "analytics:rt:"

    def record(self, increments) -> None:
        """Apply Increments (see RealTimeAnalyticsCache) under the process lock."""
        with self.lock:
            for minute, counts in increments.events.items():
                self._merge(f"{minute}:events", counts, dict)
            for minute, seconds in increments.seconds.items():
                self._merge(f"{minute}:seconds", seconds, dict)
            for minute, members in increments.sessions.items():
                key = f"{self.prefix}{minute}:sessions"
                cache.set(key, cache.get(key, set()) | set(members), BUCKET_TTL)
            if increments.last_seen:
                key = f"{self.prefix}active"
                active = cache.get(key, {})
                for user_id, epoch in increments.last_seen.items():
                    active[user_id] = max(epoch, active.get(user_id, epoch))
                cache.set(key, active, BUCKET_TTL)

    def _merge(self, name: str, additions: dict, kind) -> None:
        key = f"{self.prefix}{name}"
        current = defaultdict(int, cache.get(key, kind()))
        for field, value in additions.items():
            current[field] += value
        cache.set(key, dict(current), BUCKET_TTL)

    def read_minutes(self, minutes) -> list[tuple[dict, dict, set]]:
        """Return (events, seconds, sessions) of each minute bucket."""
        keys = [
            f"{self.prefix}{minute}:{part}"
            for minute in minutes
            for part in ("events", "seconds", "sessions")
        ]
        found = cache.get_many(keys)
        return [
            (
                found.get(keys[i], {}),
                found.get(keys[i + 1], {}),
                found.get(keys[i + 2], set()),
            )
            for i in range(0, len(keys), 3)
        ]

    def active_since(self, epoch: float) -> list[int]:
        """Return the ids of users active at or after `epoch`."""
        active = cache.get(f"{self.prefix}active", {})
        return sorted(int(user_id) for user_id, seen in active.items() if seen >= epoch)


def current_store():
    """Return the store for the configured cache backend (read at call time)."""
    backend = settings.CACHES["default"]["BACKEND"]
    return RedisStore() if backend.startswith("django_redis.") else LocalStore()
