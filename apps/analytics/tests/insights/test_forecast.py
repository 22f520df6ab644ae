"""Forecast: better than seasonal naive, honest intervals, bounds, fallbacks."""

from datetime import timedelta

import numpy as np
import pytest

from apps.analytics.insights.forecast import forecast
from apps.analytics.tests.insights.series import (
    DAILY,
    HOURLY,
    daily_seasonal,
    instants,
)

HOLDOUT = 28
KEYS = {"timestamps", "mean", "lower_80", "upper_80", "lower_95", "upper_95", "model"}


def smape(actual, predicted) -> float:
    """Return the symmetric mean absolute percentage error, in percent."""
    actual, predicted = np.asarray(actual), np.asarray(predicted)
    return float(
        np.mean(2 * np.abs(actual - predicted) / (np.abs(actual) + np.abs(predicted)))
        * 100
    )


def holdout_run(seed: int) -> tuple[dict, np.ndarray, list[float]]:
    """Fit 120 days of a known weekly series, return (forecast, actual, snaive)."""
    values, moments = daily_seasonal(120 + HOLDOUT, seed)
    history = values[:-HOLDOUT]
    result = forecast(list(history), moments[:-HOLDOUT], HOLDOUT)
    naive = [history[-7 + (k % 7)] for k in range(HOLDOUT)]
    return result, values[-HOLDOUT:], naive


def test_weekly_series_beats_seasonal_naive_and_its_95_interval_covers():
    runs = [holdout_run(seed) for seed in range(8)]

    ets = np.mean([smape(actual, r["mean"]) for r, actual, _ in runs])
    naive = np.mean([smape(actual, n) for _, actual, n in runs])
    coverage = np.mean(
        [
            np.mean((actual >= r["lower_95"]) & (actual <= r["upper_95"]))
            for r, actual, _ in runs
        ]
    )

    assert ets < naive
    assert 0.90 <= coverage <= 0.99
    assert all(r["model"].endswith(",A)") for r, _, _ in runs)  # seasonal chosen


def test_result_shape_and_next_timestamps():
    values, moments = daily_seasonal(60, 1)

    result = forecast(list(values), moments, 5)

    assert set(result) == KEYS
    assert result["timestamps"] == [moments[-1] + DAILY * k for k in range(1, 6)]
    for key in KEYS - {"timestamps", "model"}:
        assert len(result[key]) == 5
    for k in range(5):
        assert (
            result["lower_95"][k]
            <= result["lower_80"][k]
            <= result["mean"][k]
            <= result["upper_80"][k]
            <= result["upper_95"][k]
        )
    # Intervals widen with the horizon.
    assert result["upper_95"][4] - result["lower_95"][4] >= (
        result["upper_95"][0] - result["lower_95"][0]
    )


def test_hourly_series_uses_a_daily_cycle_from_three_days():
    hours = np.arange(24 * 4)
    values = 10 + 5 * np.sin(2 * np.pi * hours / 24)
    values += np.random.default_rng(2).normal(0, 0.3, len(hours))

    result = forecast(list(values), instants(len(hours), HOURLY), 24)

    assert result["model"].endswith(",A)")
    expected = 10 + 5 * np.sin(2 * np.pi * np.arange(96, 120) / 24)
    assert np.max(np.abs(np.array(result["mean"]) - expected)) < 1.5


def test_rates_stay_within_bounds():
    rng = np.random.default_rng(3)
    rates = np.clip(0.97 + rng.normal(0, 0.03, 60), 0, 1)

    result = forecast(list(rates), instants(60, DAILY), 14, bounds=(0.0, 1.0))

    for key in ("mean", "lower_80", "upper_80", "lower_95", "upper_95"):
        assert all(0.0 <= v <= 1.0 for v in result[key])
    assert max(result["upper_95"]) == 1.0  # clipped, not above


def test_missing_values_and_gaps_are_filled_before_fitting():
    values, moments = daily_seasonal(70, 4)
    values = list(values)
    values[10] = values[11] = None
    del values[40:43], moments[40:43]  # three days never recorded

    result = forecast(values, moments, 7)

    assert result["timestamps"][0] == moments[-1] + DAILY
    assert all(np.isfinite(result["mean"]))


def test_few_points_fall_back_to_the_mean_with_empirical_intervals():
    result = forecast([3.0, 5.0, 4.0, 6.0], instants(4, DAILY), 2)

    assert result["model"] == "mean"
    assert result["mean"] == [4.5, 4.5]
    assert result["lower_95"][0] < 4.5 < result["upper_95"][0]


def test_a_constant_series_forecasts_itself():
    result = forecast([7.0] * 30, instants(30, DAILY), 3)

    assert result["mean"] == [7.0, 7.0, 7.0]
    assert result["lower_95"] == result["upper_95"] == [7.0, 7.0, 7.0]


def test_five_minute_spacing_is_kept():
    step = timedelta(minutes=5)
    moments = instants(50, step)

    result = forecast([1.0 + (i % 3) for i in range(50)], moments, 2)

    assert result["timestamps"] == [moments[-1] + step, moments[-1] + 2 * step]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="horizon"):
        forecast([1.0, 2.0], instants(2), 0)
    with pytest.raises(ValueError, match="same length"):
        forecast([1.0], instants(2), 1)
    with pytest.raises(ValueError, match="at least one value"):
        forecast([None, None], instants(2), 1)
