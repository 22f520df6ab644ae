"""RealTimeAnalyticsCache: live counters per minute, active users, hourly folds."""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from apps.analytics.cache.stores import BUCKET_TTL, current_store
from apps.analytics.observability import CACHE_FAILURES

logger = logging.getLogger(__name__)

ACTIVE_WINDOW_MINUTES = 5  # "realtime" as Plausible and Umami count it


def minute_of(moment: dt.datetime) -> int:
    """Return the bucket (whole minutes since the epoch) an instant falls in."""
    return int(moment.timestamp() // 60)


@dataclass
class Increments:
    """Everything a set of events adds to the real-time structures."""

    events: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    seconds: dict = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    sessions: dict = field(default_factory=lambda: defaultdict(set))
    last_seen: dict = field(default_factory=dict)

    def add(self, event) -> None:
        """Count one stored UserEngagementMetric."""
        minute = minute_of(event.timestamp)
        user = str(event.user_id)
        self.events[minute][f"{user}|{event.engagement_type}"] += 1
        if event.duration_seconds:
            self.seconds[minute][user] += float(event.duration_seconds)
        self.sessions[minute].add(f"{user}|{event.session_id}")
        epoch = event.timestamp.timestamp()
        self.last_seen[user] = max(epoch, self.last_seen.get(user, epoch))


@dataclass
class UserTally:
    """One user's engagement folded from minute buckets."""

    by_type: dict = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0
    sessions: set = field(default_factory=set)

    @property
    def events(self) -> int:
        return sum(self.by_type.values())


class RealTimeAnalyticsCache:
    """Live engagement counters; failures are logged and counted, never raised."""

    @classmethod
    def record_events(cls, events, *, now=None) -> bool:
        """Count stored events in their minute buckets and mark their users active."""
        now = now or timezone.now()
        increments = Increments()
        for event in events:
            # Too old for any live window or fold: collect_analytics reads the DB.
            if (now - event.timestamp).total_seconds() < BUCKET_TTL:
                increments.add(event)
        if not increments.last_seen:
            return True
        try:
            current_store().record(increments)
        except Exception as exc:
            cls._failed("record", exc)
            return False
        return True

    @classmethod
    def counts(cls, minutes: int = ACTIVE_WINDOW_MINUTES, *, now=None) -> dict:
        """Return events per engagement type over the last `minutes` (this one too)."""
        totals: dict = defaultdict(int)
        for events, _, _ in cls._buckets(minutes, now):
            for key, n in events.items():
                totals[key.split("|", 1)[1]] += n
        return dict(sorted(totals.items()))

    @classmethod
    def active_user_ids(cls, minutes: int = ACTIVE_WINDOW_MINUTES, *, now=None) -> list:
        """Return the ids of users with an event in the last `minutes`."""
        now = now or timezone.now()
        try:
            return current_store().active_since(now.timestamp() - minutes * 60)
        except Exception as exc:
            cls._failed("active_users", exc)
            return []

    @classmethod
    def active_users(cls, minutes: int = ACTIVE_WINDOW_MINUTES, *, now=None) -> int:
        """Return how many users had an event in the last `minutes`."""
        return len(cls.active_user_ids(minutes, now=now))

    @classmethod
    def fold(cls, start: dt.datetime, end: dt.datetime) -> dict[int, UserTally]:
        """Return each user's tally over the minute buckets of [start, end)."""
        tallies: dict = defaultdict(UserTally)
        minutes = range(minute_of(start), minute_of(end))
        try:
            buckets = current_store().read_minutes(minutes)
        except Exception as exc:
            cls._failed("fold", exc)
            raise
        for events, seconds, sessions in buckets:
            for key, n in events.items():
                user, kind = key.split("|", 1)
                tallies[int(user)].by_type[kind] += n
            for user, value in seconds.items():
                tallies[int(user)].seconds += value
            for member in sessions:
                user, session = member.split("|", 1)
                tallies[int(user)].sessions.add(session)
        return dict(tallies)

    @classmethod
    def _buckets(cls, minutes: int, now):
        now = now or timezone.now()
        last = minute_of(now)
        try:
            return current_store().read_minutes(range(last - minutes + 1, last + 1))
        except Exception as exc:
            cls._failed("counts", exc)
            return []

    @staticmethod
    def _failed(operation: str, exc: Exception) -> None:
        CACHE_FAILURES.labels(operation=f"realtime_{operation}").inc()
        logger.warning("Real-time analytics store %s failed: %s", operation, exc)
