"""Streaming anomaly scores for one metric series, computed causally.

The score of point i uses points 0..i only, as a stream would see them, so a
scan can re-run over a series and get the same answers for the points it has
already scored. Plain Python and numpy: no Django, no database.

How a point is scored, and why
------------------------------
1. **Spacing and warm-up.** The spacing is the median gap of the first
   `WARMUP_POINTS` valid points; those points only teach the state (score 0).
   Decay rates are per unit of time in multiples of that spacing, so irregular
   timestamps and gaps are handled: after a long gap the level trusts the new
   point more (``alpha = 1 - exp(-gap / memory)``).
2. **Robust seasonal baseline** (robust Holt-Winters, Gelper, Fried & Croux,
   "Robust forecasting with exponential and Holt-Winters smoothing", J. of
   Forecasting 29, 2010). The expected value is ``level + season``; the state is
   updated with the observation *cleaned* by a Huber psi (clipped to
   ``expected +- CLEAN_Z * scale``), so a spike does not drag the baseline along.
   Seasons follow the spacing: for readings every hour or more often, an
   hour-of-day profile (learned in days) and an hour-of-week profile (used once
   a bucket has been seen twice, so weekends stop looking odd after two weeks);
   for daily series a weekday profile; none for coarser series. Buckets use the
   wall clock of the timestamps as given: pass local times for local cycles.
3. **Robust residual z-score.** The scale is an exponentially weighted,
   winsorised root-mean-square residual (an M-estimate of scale, the streaming
   analogue of a MAD), floored at a quarter of a slow long-run scale and at a
   thousandth of the series' typical magnitude, so a flat stretch gives a
   finite z and a spike out of a flat stretch still scores high.
4. **Change detection.** A two-sided CUSUM (Page, "Continuous inspection
   schemes", Biometrika 41, 1954) on the clipped z-scores accumulates small
   persistent deviations a point test misses: slow drifts and modest level
   shifts. A shift is confirmed when the CUSUM crosses its decision interval or
   `SHIFT_RUN` consecutive points sit beyond `CLEAN_Z` on the same side (the
   additive-outlier vs level-shift distinction of Chen & Liu, JASA 88, 1993);
   the level then jumps to the new regime and the CUSUM resets, so one shift
   raises a short burst of alarms, not an endless one.
5. **Score.** The severity ``x = max(|z| / POINT_Z, CUSUM / CUSUM_H)`` is 1 at
   either test's threshold, and is squashed to [0, 1) by ``x^4 / (1 + x^4)``;
   the default threshold 0.5 is therefore "a 7-sigma robust residual, or a
   confirmed shift or drift". Real streams are heavy-tailed and autocorrelated,
   so the point threshold is far above the textbook 3 sigma: benchmarks of
   streaming detectors (Lavin & Ahmad, "Evaluating real-time anomaly detection
   algorithms - the Numenta Anomaly Benchmark", ICMLA 2015) charge every false
   alarm, and a quiet detector that fires once, early, in a real incident wins.

Each point costs O(1) (a few dozen float operations), so 20,000 points take a
few tens of milliseconds (bench/insights.py measures it).
"""

import itertools
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

# A point scores at or above this when it is an anomaly: its robust residual is
# POINT_Z scales from the expected value, or the CUSUM confirmed a shift/drift.
DEFAULT_THRESHOLD = 0.5

WARMUP_POINTS = 16  # valid points that only teach the state
POINT_Z = 7.0  # robust z at which a single point reaches the threshold
CLEAN_Z = 2.5  # residuals beyond this many scales are clipped before updating
CUSUM_K = 1.0  # CUSUM allowance, in scales: drifts above ~2 scales accumulate
CUSUM_CLIP = 3.0  # a single spike adds at most CUSUM_CLIP - CUSUM_K to the sum
CUSUM_H = 14.0  # CUSUM decision interval
SHIFT_RUN = 5  # consecutive same-side outliers that confirm a level shift
REVERT_MEMORY = 200.0  # spacings a shift is remembered, to return from it quietly
REVERT_RATIO = 0.25  # a return fits the old level 4 times better than the new
SHIFT_SEVERITY = 1.25  # severity of the point confirming a shift (score 0.71)
LEVEL_MEMORY = 48.0  # spacings; time constant of the level
SCALE_MEMORY = 100.0  # spacings; time constant of the residual scale
SLOW_SCALE_MEMORY = 2000.0  # spacings; time constant of the floor's scale
SEASON_GAIN = 0.2  # weight of a new visit in a seasonal bucket
SCALE_FLOOR_OF_SLOW = 0.25
SCALE_FLOOR_OF_MAGNITUDE = 1e-3
# E[min(Z^2, c^2)] for a standard normal Z and c = CLEAN_Z: corrects the bias of
# the winsorised variance so a normal series has scale ~ its sigma.
_WINSOR_BIAS = 0.9541

HOUR = 3600.0
DAY = 86400.0
_EPOCH = datetime(1970, 1, 1)  # a Thursday


@dataclass(frozen=True)
class Detection:
    """One point whose score reached the threshold."""

    index: int
    timestamp: datetime
    observed: float
    expected: float
    score: float
    direction: str  # "up" (observed above expected) or "down"


@dataclass(frozen=True)
class _Trace:
    scores: list[float]
    expected: list[float]
    residuals: list[float]  # observed - expected; nan where missing


def anomaly_scores(
    values: Sequence[float | None], timestamps: Sequence[datetime]
) -> list[float]:
    """Return one anomaly score in [0, 1] per point, using only earlier points."""
    return _run(values, timestamps).scores


def detect(
    values: Sequence[float | None],
    timestamps: Sequence[datetime],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    direction: str = "both",
) -> list[Detection]:
    """Return the points scoring at least `threshold`, in `direction` only.

    `direction` is "up" (only rises count, e.g. latency), "down" (only falls,
    e.g. a success rate) or "both".
    """
    if direction not in ("up", "down", "both"):
        raise ValueError(f"direction must be 'up', 'down' or 'both', not {direction!r}")
    trace = _run(values, timestamps)
    found = []
    for index, score in enumerate(trace.scores):
        if score < threshold:
            continue
        side = "up" if trace.residuals[index] > 0 else "down"
        if direction != "both" and side != direction:
            continue
        found.append(
            Detection(
                index=index,
                timestamp=timestamps[index],
                observed=float(values[index]),
                expected=trace.expected[index],
                score=score,
                direction=side,
            )
        )
    return found


def _run(values: Sequence[float | None], timestamps: Sequence[datetime]) -> _Trace:
    """Score every point; also return the expected values and residuals."""
    if len(values) != len(timestamps):
        raise ValueError("values and timestamps must have the same length")
    ys = [_as_float(v) for v in values]
    valid = [i for i, y in enumerate(ys) if not math.isnan(y)]
    n = len(ys)
    nan = math.nan
    if len(valid) <= WARMUP_POINTS:
        return _Trace([0.0] * n, [nan] * n, [nan] * n)
    seconds = [_wall_seconds(ts) for ts in timestamps]
    warm = valid[: WARMUP_POINTS + 1]
    gaps = [seconds[b] - seconds[a] for a, b in itertools.pairwise(warm)]
    spacing = max(median(gaps), 1.0)
    day_key, week_key = _season_keys(seconds, spacing)
    # Points per visit of an hourly bucket: a 5-minute series visits each hour
    # 12 times a day, so each visit weighs 1/12 of a day's update.
    per_visit = max(1.0, HOUR / spacing) if day_key is not None else 1.0
    season_gain = 1.0 - (1.0 - SEASON_GAIN) ** (1.0 / per_visit)

    scores, expected, residuals = [0.0] * n, [nan] * n, [nan] * n
    level = 0.0
    variance = slow_variance = magnitude = 0.0
    day_season: dict[int, float] = {}
    day_count: dict[int, int] = {}
    week_season: dict[int, float] = {}
    week_count: dict[int, int] = {}
    cusum_up = cusum_down = 0.0
    recent: deque[float] = deque(maxlen=SHIFT_RUN)
    run_side, run_length = 0, 0
    level_before_shift: float | None = None
    shifted_at = 0.0
    seen = 0  # valid points so far
    learned = 0  # residuals the scale has learned from
    last_time = 0.0
    for i in range(n):
        y = ys[i]
        day = day_key[i] if day_key is not None else None
        week = week_key[i] if week_key is not None else None
        # A prediction is informed when the season of its bucket is known (or
        # there is no season): only those residuals teach the scale, so the
        # first cycle's unexplained swings do not inflate it for weeks. A week
        # bucket not yet seen falls back on the hour-of-day profile: its first
        # weekend looks like a level shift, so such points are scored by the
        # point test alone, at half sensitivity, and not fed to the CUSUM.
        season = 0.0
        knows_day = day is None or day in day_count
        knows_week = week is None or week in week_count
        if week is not None and knows_week:
            season = week_season[week]
        elif day is not None and knows_day:
            season = day_season[day]
        informed = knows_week or (day is not None and knows_day)
        fully_informed = knows_day and knows_week
        if seen:
            expected[i] = level + season
        if math.isnan(y):
            continue
        seen += 1
        if seen == 1:
            level = y - season
        gap = max(seconds[i] - last_time, 0.0) / spacing if seen > 1 else math.inf
        last_time = seconds[i]
        prediction = level + season if seen > 1 else y
        residual = y - prediction
        warming = learned < WARMUP_POINTS
        scale = math.sqrt(variance / _WINSOR_BIAS) if learned >= 2 else math.inf
        floor = max(
            SCALE_FLOOR_OF_SLOW * math.sqrt(slow_variance),
            SCALE_FLOOR_OF_MAGNITUDE * magnitude,
            1e-12,
        )
        scale = max(scale, floor)
        if level_before_shift is not None and (
            seconds[i] - shifted_at > REVERT_MEMORY * spacing
        ):
            level_before_shift = None
        if (
            level_before_shift is not None
            and abs(residual) > CLEAN_Z * scale
            and abs(y - level_before_shift - season) < REVERT_RATIO * abs(residual)
        ):
            # Back to the level before a recent shift: the incident is over,
            # which is no news. Return to that baseline without an alarm.
            level, level_before_shift = level_before_shift, None
            prediction = level + season
            residual = y - prediction
            expected[i] = prediction
            cusum_up = cusum_down = 0.0
            run_side, run_length = 0, 0
            recent.clear()
        if seen > 1:
            residuals[i] = residual
        z = residual / scale

        # Change detection on the clipped z-score.
        zc = max(-CUSUM_CLIP, min(CUSUM_CLIP, z)) if fully_informed else 0.0
        cusum_up = max(0.0, cusum_up + zc - CUSUM_K)
        cusum_down = max(0.0, cusum_down - zc - CUSUM_K)
        side = 1 if zc > CLEAN_Z else -1 if zc < -CLEAN_Z else 0
        run_side, run_length = side, (run_length + 1 if side == run_side else 1)
        recent.append(residual)
        shifted = not warming and (
            max(cusum_up, cusum_down) >= CUSUM_H
            or (run_side != 0 and run_length >= SHIFT_RUN)
        )
        if not warming:
            point = abs(z) / POINT_Z if fully_informed else abs(z) / (2 * POINT_Z)
            severity = max(point, max(cusum_up, cusum_down) / CUSUM_H)
            if shifted:
                severity = max(severity, SHIFT_SEVERITY)
            power = severity**4
            scores[i] = power / (1.0 + power)

        # Update the state: plain running means while warming up, then
        # exponential smoothing of the cleaned observation.
        if warming:
            cleaned, squared = y, residual * residual
            level_weight = 1.0 / seen
            scale_weight = 1.0 / (learned + 1) if informed and seen > 1 else 0.0
        else:
            bound = CLEAN_Z * scale
            cleaned = prediction + max(-bound, min(bound, residual))
            squared = min(residual * residual, bound * bound)
            level_weight = scale_weight = 0.0
        alpha = max(level_weight, 1.0 - math.exp(-gap / LEVEL_MEMORY))
        if fully_informed or (warming and informed):
            level += alpha * (cleaned - season - level)
        deseasoned = cleaned - level
        _learn_season(day_season, day_count, day, deseasoned, season_gain)
        # A first visit learns the raw value: clipping it would teach a
        # weekend only part of its dip, and every later weekend would alarm.
        first = y - level if not knows_week else deseasoned
        _learn_season(week_season, week_count, week, first, SEASON_GAIN)
        magnitude += max(1.0 / seen, 1.0 - math.exp(-gap / SLOW_SCALE_MEMORY)) * (
            abs(y) - magnitude
        )
        if warming and scale_weight == 0.0:
            continue
        learned += 1
        lam = max(scale_weight, 1.0 - math.exp(-gap / SCALE_MEMORY))
        variance += lam * (squared - variance)
        if not warming:
            # The floor's scale starts after the warm-up, whose residuals are
            # inflated by a baseline still learning.
            slow = max(
                1.0 / (learned - WARMUP_POINTS),
                1.0 - math.exp(-gap / SLOW_SCALE_MEMORY),
            )
            slow_variance += slow * (squared - slow_variance)
        if shifted:
            # A new regime: move the level to it and start counting afresh.
            level_before_shift, shifted_at = level, seconds[i]
            level += median(recent)
            cusum_up = cusum_down = 0.0
            run_side, run_length = 0, 0
            recent.clear()
    return _Trace(scores, expected, residuals)


def _learn_season(table, counts, key, target: float, gain: float) -> None:
    """Move one seasonal bucket toward `target`: a mean at first, then an EWMA."""
    if key is None:
        return
    count = counts.get(key, 0) + 1
    counts[key] = count
    weight = max(gain, 1.0 / count)
    current = table.get(key, 0.0)
    table[key] = current + weight * (target - current)


def _season_keys(
    seconds: list[float], spacing: float
) -> tuple[list[int] | None, list[int] | None]:
    """Return the (daily, weekly) bucket of every point, None where no cycle."""
    if spacing <= HOUR * 1.5:
        hours = [int(s // HOUR) for s in seconds]
        # The epoch was a Thursday: shift so hour-of-week 0 is Monday 00:00.
        return [h % 24 for h in hours], [(h + 72) % 168 for h in hours]
    if spacing <= DAY * 1.5 and spacing >= DAY * 0.5:
        return None, [(int(s // DAY) + 3) % 7 for s in seconds]
    return None, None


def _wall_seconds(moment: datetime) -> float:
    """Return seconds since 1970-01-01 on the wall clock of `moment`."""
    return (moment.replace(tzinfo=None) - _EPOCH).total_seconds()


def _as_float(value) -> float:
    """Return `value` as a float; None and non-finite values are missing (nan)."""
    if value is None:
        return math.nan
    number = float(value)
    return number if math.isfinite(number) else math.nan
