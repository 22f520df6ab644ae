"""Request timings shared by every web process: per-minute duration histograms.

Each request adds 1 to one field of its minute's hash, `<view>|<status>|<bucket>`,
where the bucket is the index of the first upper bound (milliseconds) its duration
fits under. A fixed histogram keeps the hot path to one pipelined write (HINCRBY +
EXPIRE) whatever the traffic, and still gives p50/p95 to within a bucket; on Redis
all processes add to the same hash, on the embedded local-memory cache one process
counts alone (it is the only one).
"""

import bisect
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

# Upper bounds in milliseconds; the last bucket is everything slower.
BUCKET_BOUNDS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
TIMINGS_TTL = 2 * 60 * 60  # longer than any collection interval read back


def bucket_of(duration_ms: float) -> int:
    """Return the index of the histogram bucket a duration falls in."""
    return bisect.bisect_left(BUCKET_BOUNDS_MS, duration_ms)


@dataclass
class EndpointTimings:
    """One view's requests over some minutes: counts per bucket and 5xx answers."""

    buckets: list = field(default_factory=lambda: [0] * (len(BUCKET_BOUNDS_MS) + 1))
    errors: int = 0

    @property
    def count(self) -> int:
        return sum(self.buckets)

    def percentile(self, q: float) -> float | None:
        """Return the q-quantile in ms, interpolated linearly inside its bucket."""
        total = self.count
        if not total:
            return None
        rank = q * total
        seen = 0
        for index, n in enumerate(self.buckets):
            if n and seen + n >= rank:
                lower = BUCKET_BOUNDS_MS[index - 1] if index else 0.0
                if index == len(BUCKET_BOUNDS_MS):  # open-ended: its lower bound
                    return float(lower)
                upper = BUCKET_BOUNDS_MS[index]
                return lower + (upper - lower) * (rank - seen) / n
            seen += n
        return float(BUCKET_BOUNDS_MS[-1])

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.count if self.count else None


def _fold(raw_hashes) -> dict[str, EndpointTimings]:
    endpoints: dict = defaultdict(EndpointTimings)
    for fields in raw_hashes:
        for key, n in fields.items():
            view, status, bucket = key.rsplit("|", 2)
            timings = endpoints[view]
            timings.buckets[int(bucket)] += int(n)
            if status.startswith("5"):
                timings.errors += int(n)
    return dict(sorted(endpoints.items()))


class RedisTimings:
    def __init__(self):
        from django_redis import get_redis_connection

        self.redis = get_redis_connection("default")
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        self.prefix = f"{prefix}:analytics:req:"

    def record(self, minute: int, key: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hincrby(f"{self.prefix}{minute}", key, 1)
        pipe.expire(f"{self.prefix}{minute}", TIMINGS_TTL)
        pipe.execute()

    def read(self, minutes) -> list[dict]:
        pipe = self.redis.pipeline(transaction=False)
        for minute in minutes:
            pipe.hgetall(f"{self.prefix}{minute}")
        return [{k.decode(): int(v) for k, v in raw.items()} for raw in pipe.execute()]


class LocalTimings:
    """The embedded default: Django's local-memory cache, under a process lock."""

    lock = threading.Lock()
    prefix = "analytics:req:"

    def record(self, minute: int, key: str) -> None:
        with self.lock:
            name = f"{self.prefix}{minute}"
            fields = cache.get(name, {})
            fields[key] = fields.get(key, 0) + 1
            cache.set(name, fields, TIMINGS_TTL)

    def read(self, minutes) -> list[dict]:
        names = [f"{self.prefix}{minute}" for minute in minutes]
        found = cache.get_many(names)
        return [found.get(name, {}) for name in names]


def timings_store():
    """Return the store for the configured cache backend (read at call time)."""
    backend = settings.CACHES["default"]["BACKEND"]
    return RedisTimings() if backend.startswith("django_redis.") else LocalTimings()


def record_request(*, minute: int, view: str, status: int, duration_ms: float):
    """Count one answered request in its minute (one round trip on Redis)."""
    timings_store().record(minute, f"{view}|{status}|{bucket_of(duration_ms)}")


def read_timings(minutes) -> dict[str, EndpointTimings]:
    """Return each view's timings summed over the given minute buckets."""
    return _fold(timings_store().read(minutes))
