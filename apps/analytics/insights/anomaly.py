"""Streaming anomaly scores for one metric series, computed causally.

The score of point i uses points 0..i only, as a stream would see them, so a
scan can re-run over a series and get the same answers for the points it has
already scored. Plain Python: no Django, no database, no numpy even.

How a point is scored, and why
------------------------------
1. **Spacing and warm-up.** The spacing is the median gap of the first
   `WARMUP_POINTS` + 1 valid points. Decay rates are per unit of time in
   multiples of that spacing, so irregular timestamps and gaps are handled:
   after a long gap the level trusts the new point more
   (``alpha = 1 - exp(-gap / memory)``). Scores are 0 until the scale has
   learned from `WARMUP_POINTS` residuals whose seasonal bucket was known.
2. **Robust seasonal baseline** (robust Holt-Winters: Gelper, Fried & Croux,
   "Robust forecasting with exponential and Holt-Winters smoothing", J. of
   Forecasting 29, 2010). The expected value is ``level + season``; the state
   learns from the observation *cleaned* by a Huber psi (clipped to
   ``expected +- CLEAN_Z * scale``), so a spike does not drag the baseline.
   Seasons follow the spacing: for readings every hour or more often, an
   hour-of-day profile and an hour-of-week profile (used once its bucket has
   been seen for a full hour); for daily series a weekday profile; none for
   coarser series. Buckets use the wall clock of the timestamps as given: pass
   local times for local cycles. Until a week bucket has been seen, its point
   is judged against the hour-of-day profile at half sensitivity and kept out
   of the change tests, since a first weekend looks exactly like a shift.
3. **Robust residual z-score.** The scale is the largest of: an exponentially
   weighted winsorised RMS residual (an M-estimate of scale, the streaming
   analogue of a MAD); the tracked 99th percentile of |residual| over 2.576
   (Robbins-Monro quantile tracking), so jumps that recur in a series, like a
   flat metric moving a notch now and then, stop looking rare; a quarter of a
   slow long-run scale and a thousandth of the typical magnitude, so a flat
   stretch gives a finite z and a spike out of it still scores high.
4. **Change detection.** A two-sided CUSUM (Page, "Continuous inspection
   schemes", Biometrika 41, 1954) on clipped z-scores accumulates persistent
   deviations a point test misses. A shift is confirmed when the CUSUM crosses
   its decision interval or `SHIFT_RUN` consecutive points sit beyond
   `CLEAN_Z` on one side (the additive-outlier vs level-shift distinction of
   Chen & Liu, JASA 88, 1993); the level then jumps to the new regime and the
   CUSUM resets, so one shift raises a short burst of alarms, not an endless
   one; a return to the level before a recent shift is quiet (an incident that
   ends is no news).
5. **Slow drift.** The level is compared with an anchor that follows it with a
   memory ten times longer; their gap, in units of its own learned spread, is
   a drift statistic (a two-timescale EWMA test, cf. Roberts, "Control chart
   tests based on geometric moving averages", Technometrics 1, 1959). After a
   drift alarm the anchor catches up, so a long drift alarms now and then, not
   at every point.
6. **Score.** The severity ``x = max(|z| / POINT_Z, CUSUM / CUSUM_H,
   drift / DRIFT_Z)`` is 1 at any test's threshold and is squashed to [0, 1) by
   ``x^4 / (1 + x^4)``; the default threshold 0.5 means "a 6-sigma robust
   residual, or a confirmed shift or drift". Real streams are heavy-tailed and
   autocorrelated, so the point threshold is far above the textbook 3 sigma:
   streaming benchmarks (Lavin & Ahmad, "Evaluating real-time anomaly
   detection algorithms - the Numenta Anomaly Benchmark", ICMLA 2015) charge
   every false alarm, and a detector that fires once, early, in a real
   incident wins.

Each point costs O(1), a few dozen float operations: bench/insights.py
measures about 100,000 points a second on a loaded 2-core machine.
"""

import itertools
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

# A point scores at or above this when it is an anomaly: its robust residual is
# POINT_Z scales from the expected value, or a shift or drift was confirmed.
DEFAULT_THRESHOLD = 0.5

WARMUP_POINTS = 16  # informed residuals the scale learns from before scoring
POINT_Z = 6.0  # robust z at which a single point reaches the threshold
CLEAN_Z = 2.5  # residuals beyond this many scales are clipped before learning
CUSUM_K = 1.0  # CUSUM allowance, in scales: deviations above ~2 scales add up
CUSUM_CLIP = 3.0  # a single spike adds at most CUSUM_CLIP - CUSUM_K to the sum
CUSUM_H = 14.0  # CUSUM decision interval
SHIFT_RUN = 4  # consecutive same-side outliers that confirm a level shift
SHIFT_SEVERITY = 1.25  # severity of the point confirming a shift (score 0.71)
REVERT_MEMORY = 200.0  # spacings a shift is remembered, to return from it quietly
REVERT_RATIO = 0.25  # a return fits the old level 4 times better than the new
LEVEL_MEMORY = 48.0  # spacings; time constant of the level
DRIFT_MEMORY = 480.0  # spacings; time constant of the drift anchor
DRIFT_Z = 6.0  # level-anchor gap, in its own spreads, that is a drift
SCALE_MEMORY = 100.0  # spacings; time constant of the residual scale
SLOW_SCALE_MEMORY = 2000.0  # spacings; time constant of the slow scales
SEASON_GAIN = 0.2  # weight of a new visit in a seasonal bucket
TAIL_P = 0.01  # the |residual| quantile tracked, and its z under normality
TAIL_Z = 2.576
TAIL_STEP = 0.5  # an exceedance raises the quantile by TAIL_STEP scales
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
    expected: float  # the detector's baseline for the point
    score: float
    direction: str  # "up" (observed above expected) or "down"


@dataclass(frozen=True)
class _Trace:
    scores: list[float]
    expected: list[float]  # nan before the first valid point
    sides: list[int]  # +1 up, -1 down, 0 where missing


def anomaly_scores(
    values: Sequence[float | None], timestamps: Sequence[datetime]
) -> list[float]:
    """Return one anomaly score in [0, 1] per point, using only earlier points.

    None and non-finite values are missing points: they score 0.
    """
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
        side = "up" if trace.sides[index] > 0 else "down"
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
    """Score every point; also return the expected values and the sides."""
    if len(values) != len(timestamps):
        raise ValueError("values and timestamps must have the same length")
    ys = [_as_float(v) for v in values]
    n = len(ys)
    valid = [i for i, y in enumerate(ys) if not math.isnan(y)]
    if len(valid) <= WARMUP_POINTS:
        return _Trace([0.0] * n, [math.nan] * n, [0] * n)
    seconds = [_wall_seconds(ts) for ts in timestamps]
    # The spacing comes from the first points only, so it never changes the
    # state a later point will see: the scores stay causal.
    warm = valid[: WARMUP_POINTS + 1]
    spacing = max(
        median(seconds[b] - seconds[a] for a, b in itertools.pairwise(warm)), 1.0
    )
    day_keys, week_keys = _season_keys(seconds, spacing)
    stream = _Stream(spacing, hourly=day_keys is not None)
    scores, expected, sides = [0.0] * n, [math.nan] * n, [0] * n
    for i in range(n):
        day = day_keys[i] if day_keys is not None else None
        week = week_keys[i] if week_keys is not None else None
        expected[i], scores[i], sides[i] = stream.step(ys[i], seconds[i], day, week)
    return _Trace(scores, expected, sides)


class _Stream:
    """The detector's state; `step` scores one point, then learns from it."""

    def __init__(self, spacing: float, *, hourly: bool):
        self.spacing = spacing
        # A 5-minute series visits each hour bucket 12 times a day: each point
        # weighs a twelfth of a visit, and a week bucket is used once it has
        # seen a full hour.
        per_visit = max(1.0, HOUR / spacing) if hourly else 1.0
        self.season_gain = 1.0 - (1.0 - SEASON_GAIN) ** (1.0 / per_visit)
        self.full_visit = round(per_visit)
        self.day_season: dict[int, float] = {}
        self.day_count: dict[int, int] = {}
        self.week_season: dict[int, float] = {}
        self.week_count: dict[int, int] = {}
        self.level = 0.0
        self.variance = self.slow_variance = self.magnitude = 0.0
        self.tail: float | None = None  # the TAIL_P quantile of |residual|
        self.cusum_up = self.cusum_down = 0.0
        self.recent: deque[float] = deque(maxlen=SHIFT_RUN)
        self.run_side, self.run_length = 0, 0
        self.level_before_shift: float | None = None
        self.shifted_at = 0.0
        self.anchor: float | None = None  # the drift test's slow level
        self.anchored_at = 0.0
        self.drift_variance = 0.0
        self.seen = 0  # valid points so far
        self.learned = 0  # informed residuals the scale has learned from
        self.last_time = 0.0

    def step(self, y: float, now: float, day, week) -> tuple[float, float, int]:
        """Return (expected, score, side) of one point and learn from it."""
        knows_day = day is None or day in self.day_count
        knows_week = week is None or self.week_count.get(week, 0) >= self.full_visit
        season = 0.0
        if week is not None and knows_week:
            season = self.week_season[week]
        elif day is not None and knows_day:
            season = self.day_season[day]
        # Informed: the bucket's season is known, so the residual is the noise
        # and may teach the scale (the first cycle's swings would inflate it).
        informed = knows_week or (day is not None and knows_day)
        fully_informed = knows_day and knows_week
        expected = self.level + season if self.seen else math.nan
        if math.isnan(y):
            return expected, 0.0, 0
        self.seen += 1
        if self.seen == 1:
            self.level = y - season
        gap = (now - self.last_time) / self.spacing if self.seen > 1 else math.inf
        gap = max(gap, 0.0)
        self.last_time = now
        warming = self.learned < WARMUP_POINTS
        scale = self._scale(warming)
        residual = y - (self.level + season)
        if self._returns_before_shift(y, season, residual, scale, now):
            residual = y - (self.level + season)
        expected = self.level + season

        score, side, shifted, drifted = 0.0, (1 if residual > 0 else -1), False, False
        if not warming:
            z = residual / scale
            shifted = self._change_tests(z if fully_informed else 0.0, residual)
            point = abs(z) / (POINT_Z if fully_informed else 2 * POINT_Z)
            change = max(self.cusum_up, self.cusum_down) / CUSUM_H
            drift, drift_side = self._drift(scale, now)
            drifted = drift >= 1.0
            severity = max(point, change, SHIFT_SEVERITY if shifted else 0.0)
            if drift > severity:
                severity, side = drift, drift_side
            power = severity**4
            score = power / (1.0 + power)
        self._learn(y, season, residual, scale, gap, warming, informed, fully_informed)
        self._learn_seasons(y, residual, scale, warming, day, week, knows_week)
        if shifted:
            self._move_to_new_level(now)
        elif drifted:
            self.anchor = self.level  # start measuring the next drift afresh
        return expected, score, side

    def _scale(self, warming: bool) -> float:
        """Return the residual scale: the largest of the robust estimates."""
        scale = max(
            math.sqrt(self.variance / _WINSOR_BIAS) if self.learned >= 2 else math.inf,
            SCALE_FLOOR_OF_SLOW * math.sqrt(self.slow_variance),
            SCALE_FLOOR_OF_MAGNITUDE * self.magnitude,
            1e-12,
        )
        if self.tail is None and not warming:
            self.tail = TAIL_Z * scale
        if self.tail is not None:
            scale = max(scale, self.tail / TAIL_Z)
        return scale

    def _returns_before_shift(self, y, season, residual, scale, now) -> bool:
        """Go back to the level before a recent shift if `y` fits it far better."""
        before = self.level_before_shift
        if before is None:
            return False
        if now - self.shifted_at > REVERT_MEMORY * self.spacing:
            self.level_before_shift = None
            return False
        fits_before = abs(y - before - season) < REVERT_RATIO * abs(residual)
        if abs(residual) <= CLEAN_Z * scale or not fits_before:
            return False
        if self.anchor is not None:
            self.anchor += before - self.level
        self.level, self.level_before_shift = before, None
        self._reset_change_tests()
        return True

    def _change_tests(self, z: float, residual: float) -> bool:
        """Feed the CUSUM and the outlier run; return whether a shift is confirmed."""
        clipped = max(-CUSUM_CLIP, min(CUSUM_CLIP, z))
        self.cusum_up = max(0.0, self.cusum_up + clipped - CUSUM_K)
        self.cusum_down = max(0.0, self.cusum_down - clipped - CUSUM_K)
        side = 1 if clipped > CLEAN_Z else -1 if clipped < -CLEAN_Z else 0
        self.run_length = self.run_length + 1 if side == self.run_side else 1
        self.run_side = side
        self.recent.append(residual)
        return max(self.cusum_up, self.cusum_down) >= CUSUM_H or (
            side != 0 and self.run_length >= SHIFT_RUN
        )

    def _drift(self, scale: float, now: float) -> tuple[float, int]:
        """Return the drift severity and side: level vs the slow anchor."""
        if self.anchor is None:
            self.anchor, self.anchored_at = self.level, now
            return 0.0, 0
        if now - self.anchored_at < 2 * DRIFT_MEMORY * self.spacing:
            return 0.0, 0  # the anchor's spread is not learned yet
        gap = self.level - self.anchor
        # The spread of the gap is learned, but never taken below a quarter of
        # the residual scale: a very smooth level would make any move a drift.
        spread = max(math.sqrt(self.drift_variance), SCALE_FLOOR_OF_SLOW * scale)
        return abs(gap) / (DRIFT_Z * spread), (1 if gap > 0 else -1)

    def _learn(self, y, season, residual, scale, gap, warming, informed, fully) -> None:
        """Update level, seasons, scales and anchor from the (cleaned) point."""
        if warming:
            # Plain running means while the scale is unknown.
            cleaned, squared = y, residual * residual
            level_weight = 1.0 / self.seen
            scale_weight = (
                1.0 / (self.learned + 1) if informed and self.seen > 1 else 0.0
            )
        else:
            bound = CLEAN_Z * scale
            cleaned = y - residual + max(-bound, min(bound, residual))
            squared = min(residual * residual, bound * bound)
            level_weight = scale_weight = 0.0
        if fully or (warming and informed):
            alpha = max(level_weight, 1.0 - math.exp(-gap / LEVEL_MEMORY))
            self.level += alpha * (cleaned - season - self.level)
        self.magnitude += max(
            1.0 / self.seen, 1.0 - math.exp(-gap / SLOW_SCALE_MEMORY)
        ) * (abs(y) - self.magnitude)
        if warming and scale_weight == 0.0:
            return
        if self.tail is not None and fully and self.run_length < 2:
            # Robbins-Monro tracking of the TAIL_P quantile of |residual|: an
            # exceedance raises it by TAIL_STEP scales, an ordinary point lowers
            # it by a hundredth of that. Points inside a run of outliers are
            # left out: a shift is news until confirmed, not a heavier tail.
            hit = 1.0 if abs(residual) > self.tail else 0.0
            self.tail = max(0.0, self.tail + TAIL_STEP * scale * (hit - TAIL_P))
        self.learned += 1
        lam = max(scale_weight, 1.0 - math.exp(-gap / SCALE_MEMORY))
        self.variance += lam * (squared - self.variance)
        if warming:
            return
        # The slow scales start after the warm-up, whose residuals are
        # inflated by a baseline still learning.
        slow = max(
            1.0 / (self.learned - WARMUP_POINTS),
            1.0 - math.exp(-gap / SLOW_SCALE_MEMORY),
        )
        self.slow_variance += slow * (squared - self.slow_variance)
        if self.anchor is not None and fully:
            self.anchor += (1.0 - math.exp(-gap / DRIFT_MEMORY)) * (
                self.level - self.anchor
            )
            spread = self.level - self.anchor
            bound = (
                9.0 * self.drift_variance if self.drift_variance else spread * spread
            )
            self.drift_variance += slow * (
                min(spread * spread, bound) - self.drift_variance
            )

    def _learn_seasons(
        self, y, residual, scale, warming, day, week, knows_week
    ) -> None:
        """Move the point's day and week buckets toward its deseasoned value."""
        if warming:
            cleaned = y
        else:
            bound = CLEAN_Z * scale
            cleaned = y - residual + max(-bound, min(bound, residual))
        deseasoned = cleaned - self.level
        _learn_season(
            self.day_season, self.day_count, day, deseasoned, self.season_gain
        )
        # A week bucket's first visit learns the raw value: clipped, a weekend
        # would learn only part of its dip and every later weekend would alarm.
        first = y - self.level if not knows_week else deseasoned
        _learn_season(self.week_season, self.week_count, week, first, self.season_gain)

    def _move_to_new_level(self, now: float) -> None:
        """Jump to the regime a confirmed shift revealed, remembering the old one."""
        self.level_before_shift, self.shifted_at = self.level, now
        delta = median(self.recent)
        self.level += delta
        if self.anchor is not None:
            self.anchor += delta  # a shift is not a drift
        self._reset_change_tests()

    def _reset_change_tests(self) -> None:
        self.cusum_up = self.cusum_down = 0.0
        self.run_side, self.run_length = 0, 0
        self.recent.clear()


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
