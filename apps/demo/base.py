"""The demo's timeline, its incidents and the helpers every phase shares."""

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BATCH_SIZE = 2000
DEMO_EMAIL_DOMAIN = "demo.example"
HOUR = timedelta(hours=1)

# Usage per weekday (Monday first): busy midweek, quieter Friday, almost idle weekends.
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 0.95, 0.8, 0.08, 0.05)

CRM_OUTAGE_DAYS_AGO = 10
CRM_OUTAGE_FAILURE_RATE = 0.6
LATENCY_SPIKE_DAYS_AGO = 3
LATENCY_SPIKE_HOURS = (13, 16)  # local, [start, end)
CACHE_DOWN_DAYS_AGO = 6
CACHE_DOWN_HOURS = (3, 4)


def bulk(model, objs: list) -> list:
    """Insert `objs` in batches; each comes back with its primary key set."""
    return model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


def phase_rng(seed: int, phase: str) -> random.Random:
    """Return an RNG of its own for `phase`, so tuning one phase leaves the others."""
    return random.Random(f"{seed}:{phase}")


def poisson(rng: random.Random, mean: float) -> int:
    """Draw a Poisson count (Knuth's method; the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def clamp(value: float, low: float, high: float) -> float:
    """Limit `value` to [low, high]."""
    return max(low, min(high, value))


@dataclass(frozen=True)
class Timeline:
    """The days of history, ending at `now` (UTC, on the local hour)."""

    tz: ZoneInfo
    now: datetime
    dates: tuple[date, ...]

    @classmethod
    def ending(cls, now: datetime, *, days: int, tz: ZoneInfo) -> "Timeline":
        """Build the timeline of `days` local days whose last one contains `now`."""
        local = now.astimezone(tz).replace(minute=0, second=0, microsecond=0)
        last = local.date()
        dates = tuple(last - timedelta(days=days - 1 - i) for i in range(days))
        return cls(tz=tz, now=local.astimezone(UTC), dates=dates)

    @property
    def start(self) -> datetime:
        """Return local midnight of the first day, in UTC."""
        return self.at(self.dates[0], 0)

    def at(self, day: date, minutes: int) -> datetime:
        """Return the instant `minutes` after local midnight of `day`, in UTC."""
        wall = time(minutes // 60, minutes % 60)
        return datetime.combine(day, wall, tzinfo=self.tz).astimezone(UTC)

    def progress(self, index: int) -> float:
        """Return how far day `index` is into the period, from 0 to 1."""
        return index / (len(self.dates) - 1) if len(self.dates) > 1 else 1.0

    def usage(self, index: int) -> float:
        """Return the usage factor of day `index`: weekday seasonality times trend."""
        weekday = WEEKDAY_FACTOR[self.dates[index].weekday()]
        return weekday * (0.7 + 0.3 * self.progress(index))

    def local_date(self, instant: datetime) -> date:
        """Return the local date of `instant`."""
        return instant.astimezone(self.tz).date()


@dataclass(frozen=True)
class Incidents:
    """The anomalies injected into otherwise ordinary data."""

    crm_outage_day: date
    latency_spike: tuple[datetime, datetime]
    cache_down: tuple[datetime, datetime]

    @classmethod
    def plan(cls, timeline: Timeline) -> "Incidents":
        """Place the incidents a fixed number of days before the last day."""
        last = len(timeline.dates) - 1

        def day(days_ago: int) -> date:
            return timeline.dates[max(0, last - days_ago)]

        def window(days_ago: int, hours: tuple[int, int]) -> tuple[datetime, datetime]:
            start, end = hours
            return (
                timeline.at(day(days_ago), start * 60),
                timeline.at(day(days_ago), end * 60),
            )

        # An outage on a weekend would hit almost no traffic: take the nearest
        # weekday, the earlier one on a tie.
        target = max(0, last - CRM_OUTAGE_DAYS_AGO)
        weekdays = [i for i, d in enumerate(timeline.dates) if d.weekday() < 5]
        outage = min(weekdays, key=lambda i: (abs(i - target), i))
        return cls(
            crm_outage_day=timeline.dates[outage],
            latency_spike=window(LATENCY_SPIKE_DAYS_AGO, LATENCY_SPIKE_HOURS),
            cache_down=window(CACHE_DOWN_DAYS_AGO, CACHE_DOWN_HOURS),
        )

    def describe(self, tz: ZoneInfo) -> list[str]:
        """Return one line per incident, in local time."""

        def span(window: tuple[datetime, datetime]) -> str:
            start, end = (moment.astimezone(tz) for moment in window)
            return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} {tz.key}"

        rate = round(CRM_OUTAGE_FAILURE_RATE * 100)
        return [
            f"CRM sync outage on {self.crm_outage_day:%Y-%m-%d (%a)}: about {rate}% "
            "of sync attempts fail (both providers, push and pull).",
            f"gemini_api latency spike {span(self.latency_spike)}: "
            "api_response_time readings critical.",
            f"Cache unreachable {span(self.cache_down)}: cache readings down.",
        ]
