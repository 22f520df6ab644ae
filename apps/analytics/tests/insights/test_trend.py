"""Trend: Mann-Kendall significance, Sen's slope per week, change points."""

import numpy as np
import pytest

from apps.analytics.insights.trend import (
    TrendResult,
    change_point_indices,
    mann_kendall,
    trend,
)
from apps.analytics.tests.insights.series import (
    DAILY,
    HOURLY,
    daily_seasonal,
    hourly_seasonal,
    instants,
)


def test_mann_kendall_of_a_short_increasing_series_by_hand():
    # Every one of the 10 pairs rises: S = 10, Var S = 5*4*15/18 = 50/3.
    s, z, p = mann_kendall([1, 2, 3, 4, 5])

    assert s == 10
    assert z == pytest.approx((10 - 1) / np.sqrt(50 / 3))
    assert p == pytest.approx(0.0275, abs=1e-4)


def test_mann_kendall_corrects_the_variance_for_ties():
    # Pairs: 17 rising, 0 falling, 4 tied. Ties: groups of 2 and 3, so
    # Var S = (7*6*19 - (2*1*9 + 3*2*11)) / 18 = (798 - 84) / 18.
    s, z, _ = mann_kendall([1, 2, 2, 3, 3, 3, 4])

    assert s == 17
    assert z == pytest.approx(16 / np.sqrt(714 / 18))


def test_mann_kendall_skips_missing_values_and_short_series():
    assert mann_kendall([1, None, 2, float("nan"), 3])[0] == 3
    assert mann_kendall([1, 2]) == (0.0, 0.0, 1.0)
    assert mann_kendall([4, 4, 4, 4]) == (0.0, 0.0, 1.0)


@pytest.mark.parametrize("sign", [1, -1])
def test_a_noisy_monotone_series_is_significant_with_the_right_sign(sign):
    rng = np.random.default_rng(1)
    values = sign * 0.5 * np.arange(60) + rng.normal(0, 3, 60)

    s, z, p = mann_kendall(list(values))
    result = trend(list(values), instants(60, DAILY))

    assert np.sign(s) == np.sign(z) == sign
    assert p < 0.001
    assert result.significant
    assert result.direction == ("up" if sign > 0 else "down")
    # Half a unit a day is 3.5 a week; the interval holds it and excludes 0.
    assert result.slope_ci_low < sign * 3.5 < result.slope_ci_high
    assert result.slope_ci_low * result.slope_ci_high > 0
    assert result.slope_per_week == pytest.approx(sign * 3.5, rel=0.1)


@pytest.mark.parametrize("seed", range(5))
def test_seeded_noise_is_not_significant_and_flat(seed):
    values = np.random.default_rng(seed).normal(0, 1, 200)

    _, _, p = mann_kendall(list(values))
    result = trend(list(values), instants(200, DAILY))

    assert p > 0.05
    assert not result.significant
    assert result.direction == "flat"
    assert result.slope_ci_low < 0 < result.slope_ci_high


def test_the_autocorrelation_correction_calls_fewer_wanders_a_trend():
    # An AR(1) with phi 0.5 wanders; the plain test calls it a trend far more
    # often than 5%. Hamed-Rao inflates the variance and does so less often
    # (not down to 5%: it is known to under-correct on short series).
    def wander(seed):
        rng = np.random.default_rng(seed)
        values = np.zeros(300)
        for i in range(1, 300):
            values[i] = 0.5 * values[i - 1] + rng.normal()
        return list(values)

    series = [wander(seed) for seed in range(40)]
    plain = sum(mann_kendall(v)[2] < 0.05 for v in series)
    corrected = sum(mann_kendall(v, autocorrelation=True)[2] < 0.05 for v in series)

    assert corrected < plain
    assert corrected <= 8


def test_slope_is_per_week_of_the_timestamps():
    values = [0.1 * i for i in range(48)]  # 0.1 an hour

    result = trend(values, instants(48, HOURLY))

    assert result.slope_per_week == pytest.approx(0.1 * 24 * 7)
    assert result.direction == "up"
    assert result.n == 48


def test_a_step_series_has_one_change_point_at_the_step():
    rng = np.random.default_rng(4)
    values = np.r_[np.zeros(50), np.full(50, 3.0)] + rng.normal(0, 1, 100)
    moments = instants(100, DAILY)

    result = trend(list(values), moments)

    assert result.change_points == [moments[50]]


def test_two_steps_give_two_change_points():
    rng = np.random.default_rng(5)
    values = np.r_[np.zeros(40), np.full(40, 4.0), np.full(40, 1.0)]
    values += rng.normal(0, 1, 120)

    assert change_point_indices(list(values)) == [40, 80]


@pytest.mark.parametrize("seed", range(5))
def test_noise_has_no_change_point(seed):
    values = np.random.default_rng(seed).normal(10, 2, 300)

    assert change_point_indices(list(values)) == []


def test_a_constant_series_is_flat_without_change_points():
    result = trend([5.0] * 30, instants(30, DAILY))

    assert (result.direction, result.slope_per_week, result.change_points) == (
        "flat",
        0.0,
        [],
    )


def test_as_dict_is_json_ready():
    moments = instants(100, DAILY)
    values = [0.0] * 50 + [10.0] * 50

    data = trend(values, moments).as_dict()

    assert set(data) == set(TrendResult.__dataclass_fields__)
    assert data["change_points"] == [moments[50].isoformat()]
    assert data["direction"] == "up"


@pytest.mark.parametrize("seed", range(3))
def test_a_daily_and_weekly_cycle_is_neither_a_trend_nor_change_points(seed):
    values, moments = hourly_seasonal(24 * 28, seed)

    result = trend(list(values), moments)

    assert (result.direction, result.change_points) == ("flat", [])


def test_a_seasonal_climb_is_measured_without_its_cycle():
    values, moments = hourly_seasonal(24 * 28, 1)
    values = values + 0.01 * np.arange(len(values))  # 1.68 a week

    result = trend(list(values), moments)

    assert result.direction == "up"
    assert result.slope_per_week == pytest.approx(1.68, rel=0.05)
    assert result.change_points == []  # a climb, not a staircase


def test_weekly_cycle_of_a_daily_series_is_removed_before_testing():
    values, moments = daily_seasonal(91, 2)  # 0.1 a day on a weekly profile

    result = trend(list(values), moments)

    assert result.direction == "up"
    assert result.slope_ci_low < 0.7 < result.slope_ci_high
    assert result.change_points == []
