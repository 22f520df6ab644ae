"""The detector: silent on clean seasonal noise, early on shifts, drifts and spikes."""

import math

import numpy as np
import pytest

from apps.analytics.insights.anomaly import (
    DEFAULT_THRESHOLD,
    WARMUP_POINTS,
    Detection,
    anomaly_scores,
    detect,
)
from apps.analytics.tests.insights.series import (
    DAILY,
    HOURLY,
    hourly_seasonal,
    instants,
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_hourly_series_with_daily_and_weekly_cycles_has_no_anomaly(seed):
    values, moments = hourly_seasonal(10_000, seed)

    assert detect(list(values), moments) == []


def test_scores_are_in_the_unit_interval_one_per_point():
    values, moments = hourly_seasonal(500, 3)
    values[300] += 40

    scores = anomaly_scores(list(values), moments)

    assert len(scores) == 500
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores[300] > 0.9
    assert max(scores[:300] + scores[301:]) < DEFAULT_THRESHOLD


def test_warm_up_points_score_zero():
    values, moments = hourly_seasonal(200, 4)
    values[5] += 100  # an outlier before the detector knows the series

    scores = anomaly_scores(list(values), moments)

    assert scores[:WARMUP_POINTS] == [0.0] * WARMUP_POINTS


def test_too_short_a_series_scores_zero():
    assert anomaly_scores([1.0, 50.0, 2.0], instants(3)) == [0.0, 0.0, 0.0]


def test_a_single_spike_is_found_with_its_direction_and_expected_value():
    values, moments = hourly_seasonal(3000, 5)
    normal = values[2000]
    values[2000] += 12

    found = detect(list(values), moments)

    assert [d.index for d in found] == [2000]
    spike = found[0]
    assert spike.direction == "up"
    assert spike.timestamp == moments[2000]
    assert spike.observed == values[2000]
    # The baseline knows the hour and the weekday: within 3 sd of the clean value.
    assert abs(spike.expected - normal) < 3
    assert spike.score >= DEFAULT_THRESHOLD


def test_a_level_shift_is_found_within_hours_and_does_not_alarm_for_ever():
    values, moments = hourly_seasonal(3000, 7)
    values[2000:] += 5  # five noise sds, every hour from then on

    found = detect(list(values), moments)

    assert found, "the shift was missed"
    assert 2000 <= found[0].index <= 2006
    assert found[0].direction == "up"
    # The baseline moves to the new level: nothing after the first day of it.
    assert all(d.index < 2024 for d in found)


def test_a_slow_drift_is_found():
    values, moments = hourly_seasonal(3000, 7)
    values[2000:] -= 0.05 * np.arange(1000)  # a twentieth of a noise sd an hour

    found = detect(list(values), moments, direction="down")

    assert found, "the drift was missed"
    assert 2000 < found[0].index < 2000 + 120  # within five days
    assert all(d.direction == "down" for d in found)


def test_direction_filters_the_side():
    values, moments = hourly_seasonal(1000, 8)
    values[600] += 20
    values[800] -= 20

    assert [d.index for d in detect(list(values), moments)] == [600, 800]
    assert [d.index for d in detect(list(values), moments, direction="up")] == [600]
    assert [d.index for d in detect(list(values), moments, direction="down")] == [800]


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        detect([1.0], instants(1), direction="sideways")


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        anomaly_scores([1.0, 2.0], instants(1))


def test_a_spike_out_of_a_flat_stretch_scores_finite_and_high():
    values = [100.0] * 300 + [100.5] + [100.0] * 100 + [150.0] + [100.0] * 100

    scores = anomaly_scores(values, instants(len(values)))
    found = detect(values, instants(len(values)))

    assert all(math.isfinite(score) for score in scores)
    # Half a percent off a flat line is not an incident; fifty percent is.
    assert [d.index for d in found] == [401]


def test_availability_flat_at_one_flags_the_one_down_reading():
    values = [1.0] * 200 + [0.0] + [1.0] * 100

    found = detect(values, instants(len(values)), direction="down")

    assert [(d.index, d.expected) for d in found] == [(200, 1.0)]


def test_missing_points_score_zero_and_do_not_disturb_the_rest():
    values, moments = hourly_seasonal(2000, 9)
    values[1500] += 15
    with_gaps = list(values)
    for index in (100, 101, 102, 700, 1499, 1501):
        with_gaps[index] = None
    with_gaps[900] = math.nan

    scores = anomaly_scores(with_gaps, moments)
    found = detect(with_gaps, moments)

    assert scores[100] == scores[900] == scores[1499] == 0.0
    assert [d.index for d in found] == [1500]


def test_irregular_spacing_and_gaps_are_handled():
    rng = np.random.default_rng(10)
    # Readings every 3 to 9 minutes, with a six-hour outage of the collector.
    gaps = rng.uniform(3, 9, 3000)
    gaps[1200] = 360
    minutes = np.cumsum(gaps)
    moments = [instants(1)[0] + HOURLY * (m / 60) for m in minutes]
    values = 20 + rng.normal(0, 1, 3000)
    values[2500] = 35

    found = detect(list(values), moments)

    assert [d.index for d in found] == [2500]


def test_daily_series_learns_the_weekday_profile():
    rng = np.random.default_rng(11)
    moments = instants(200, DAILY)
    weekend = np.array([m.weekday() >= 5 for m in moments])
    values = 0.9 - 0.5 * weekend + rng.normal(0, 0.01, 200)
    values[150] -= 0.1  # a bad weekday

    found = detect(list(values), moments)

    assert [(d.index, d.direction) for d in found] == [(150, "down")]


@pytest.mark.parametrize("cut", [20, 150, 777, 1500, 2399])
def test_scores_are_causal(cut):
    values, moments = hourly_seasonal(2400, 12)
    values[1000] += 20
    values[1600:] += 6

    full = anomaly_scores(list(values), moments)
    prefix = anomaly_scores(list(values[:cut]), moments[:cut])

    assert prefix == full[:cut]


def test_detection_is_a_frozen_value():
    found = detect([1.0] * 100 + [9.0], instants(101))[0]

    assert isinstance(found, Detection)
    with pytest.raises(AttributeError):
        found.score = 0.0
