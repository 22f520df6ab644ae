"""Synthetic series with known structure, shared by the insights tests."""

from datetime import UTC, datetime, timedelta

import numpy as np

START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
HOURLY = timedelta(hours=1)
DAILY = timedelta(days=1)


def instants(n: int, step: timedelta = HOURLY, start: datetime = START) -> list:
    """Return `n` instants `step` apart from `start`."""
    return [start + step * i for i in range(n)]


def hourly_seasonal(n: int, seed: int, noise: float = 1.0) -> tuple[np.ndarray, list]:
    """Return a level-50 hourly series with a daily wave, quiet weekends and noise."""
    rng = np.random.default_rng(seed)
    moments = instants(n)
    hours = np.array([m.hour for m in moments])
    weekend = np.array([m.weekday() >= 5 for m in moments])
    values = (
        50 + 10 * np.sin(2 * np.pi * hours / 24) - 8 * weekend + rng.normal(0, noise, n)
    )
    return values, moments


WEEKLY_PROFILE = np.array([5.0, 6.0, 6.0, 5.0, 3.0, -10.0, -12.0])


def daily_seasonal(n: int, seed: int) -> tuple[np.ndarray, list]:
    """Return a daily series: level 100, slight trend, weekly profile, noise sd 2."""
    rng = np.random.default_rng(seed)
    index = np.arange(n)
    values = 100 + 0.1 * index + WEEKLY_PROFILE[index % 7] + rng.normal(0, 2, n)
    return values, instants(n, DAILY)
