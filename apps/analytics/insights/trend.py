"""Trend of one metric series: direction, Sen's slope, significance, change points.

Mann-Kendall (Mann 1945, Kendall 1975) is the significance test: it asks only
whether later values tend to be larger, so it suits rates and counts that are
neither normal nor linear. Its variance carries the tie correction, and in
`trend` the Hamed & Rao correction ("A modified Mann-Kendall trend test for
autocorrelated data", J. of Hydrology 204, 1998), because metric series are
autocorrelated (weekly cycles, slow moods) and the plain test would call noise
significant. The slope is Sen's (1968) median of pairwise slopes, with the
rank-based confidence interval of Gilbert (1987, ch. 16). The direction is
read from the test, never from a fitted line: "flat" unless significant.
A daily or weekly cycle the spacing shows is removed first (classical
decomposition, once there are three cycles), so weekends are not read as a
trend nor as change points.

Change points are found by binary segmentation on the mean (Scott & Knott
1974; see Truong, Oudre & Vayatis, "Selective review of offline change point
detection methods", Signal Processing 167, 2020), splitting while the cost
saved beats a BIC-like penalty scaled by a noise variance estimated from
successive differences (robust to the level shifts themselves), so pure noise
gives none. Shifts are sought both in the series and around its trend, and
the reading with the lower penalised cost wins, so a steady climb is not
reported as a staircase of change points. Plain numpy and scipy: no Django.
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
from scipy.stats import norm

SIGNIFICANCE = 0.05
WEEK_SECONDS = 7 * 86400.0
MAX_SLOPE_POINTS = 2000  # above this, Sen's slope uses an even thinning
CHANGE_PENALTY = 3.0  # times noise variance times log(n)
MIN_SEGMENT = 3  # points; a change point needs this many on each side


@dataclass(frozen=True)
class TrendResult:
    """The trend of a series and the instants where its level shifted."""

    direction: str  # "up", "down" or "flat" (not significant)
    slope_per_week: float  # Sen's slope, in value units per week
    slope_ci_low: float  # 95% interval of the slope
    slope_ci_high: float
    p_value: float
    significant: bool
    n: int  # valid points used
    change_points: list[datetime]  # first instant of each new level

    def as_dict(self) -> dict:
        """Return the result as plain JSON-ready values (ISO instants)."""
        data = asdict(self)
        data["change_points"] = [moment.isoformat() for moment in self.change_points]
        return data


def mann_kendall(
    values: Sequence[float | None], *, autocorrelation: bool = False
) -> tuple[float, float, float]:
    """Return Mann-Kendall (S, z, two-sided p) of `values` in order, ties corrected.

    Missing values (None, nan) are dropped. With `autocorrelation`, the variance
    of S gets the Hamed & Rao correction for serially correlated data.
    """
    return _mann_kendall(_clean(values)[1], autocorrelation=autocorrelation)[:3]


def _mann_kendall(
    x: np.ndarray, *, autocorrelation: bool
) -> tuple[float, float, float, float]:
    """Return (S, z, p, variance of S) of the valid values `x`."""
    n = len(x)
    if n < 3:
        return 0.0, 0.0, 1.0, 0.0
    s = float(sum(np.sign(x[i + 1 :] - x[i]).sum() for i in range(n - 1)))
    variance = _variance_of_s(x)
    if autocorrelation:
        variance *= _hamed_rao_factor(x)
    if variance <= 0:
        return s, 0.0, 1.0, 0.0
    # Continuity correction: S moves in steps of 2.
    z = (s - math.copysign(1.0, s)) / math.sqrt(variance) if s else 0.0
    p = float(2 * norm.sf(abs(z)))
    return s, float(z), p, variance


def trend(
    values: Sequence[float | None], timestamps: Sequence[datetime]
) -> TrendResult:
    """Return the trend of the series (missing values skipped)."""
    if len(values) != len(timestamps):
        raise ValueError("values and timestamps must have the same length")
    keep, x = _clean(values)
    moments = [timestamps[i] for i in keep]
    n = len(x)
    if n < 3:
        return TrendResult("flat", 0.0, 0.0, 0.0, 1.0, False, n, [])
    weeks = np.array([_seconds(m) for m in moments]) / WEEK_SECONDS
    x = deseasonalised(x, moments)
    _, _, p, variance = _mann_kendall(x, autocorrelation=True)
    slope, low, high = _sen_slope(x, weeks, s_variance=variance)
    significant = p < SIGNIFICANCE
    direction = "flat"
    if significant and slope > 0:
        direction = "up"
    elif significant and slope < 0:
        direction = "down"
    shifts = _level_shifts(x, weeks, slope if significant else 0.0)
    change_points = [moments[i] for i in shifts]
    return TrendResult(
        direction=direction,
        slope_per_week=float(slope),
        slope_ci_low=float(low),
        slope_ci_high=float(high),
        p_value=float(p),
        significant=bool(significant),
        n=n,
        change_points=change_points,
    )


def deseasonalised(x: np.ndarray, moments: Sequence[datetime]) -> np.ndarray:
    """Return `x` less the cycle its spacing shows, once there are 3 cycles of it.

    Hourly (or finer) series lose their hour-of-week profile (three weeks) or
    else their hour-of-day one (three days); daily series their weekday
    profile (three weeks). Classical decomposition: each bucket's offset is the
    median of `x` less its centred moving average over one cycle, which holds
    the level and the trend but not the cycle, so both stay in the result.
    Wall-clock buckets, as the detector uses; shorter series are left as they
    are (too few cycles to tell a cycle from a trend).
    """
    n = len(x)
    if n < 2:
        return x
    wall = np.array([_wall_seconds(m) for m in moments])
    spacing = float(np.median(np.diff(wall)))
    hours = (wall // 3600).astype(int)
    if spacing <= 5400:
        candidates = [(168, (hours + 72) % 168), (24, hours % 24)]  # epoch: a Thursday
    elif 43200 <= spacing <= 129600:
        candidates = [(7, (hours // 24 + 3) % 7)]
    else:
        return x
    for period, keys in candidates:
        if n < 3 * period:
            continue
        # A centred 2 x period moving average when the period is even.
        weights = np.ones(period + 1 - period % 2)
        if period % 2 == 0:
            weights[0] = weights[-1] = 0.5
        weights /= period
        half = len(weights) // 2
        cyclic = x[half : n - half] - np.convolve(x, weights, mode="valid")
        cyclic_keys = keys[half : n - half]
        offsets = np.zeros(period)
        for bucket in np.unique(cyclic_keys):
            offsets[bucket] = float(np.median(cyclic[cyclic_keys == bucket]))
        offsets -= offsets.mean()
        return x - offsets[keys]
    return x


def change_point_indices(values: Sequence[float]) -> list[int]:
    """Return the indices where a new level starts (binary segmentation on the mean)."""
    x = np.asarray(values, dtype=float)
    penalty = _change_penalty(x)
    return _segment(x, penalty) if penalty else []


def _level_shifts(x: np.ndarray, weeks: np.ndarray, slope: float) -> list[int]:
    """Return the change points of `x` around its trend, or of `x` itself.

    A steady climb seen as steps gives a staircase of change points; a step
    seen around a fitted slope gives spurious ones either side. Both readings
    are tried and the one with the lower penalised cost wins (the slope counts
    as one more parameter), a BIC-style choice between the two models.
    """
    penalty = _change_penalty(x)
    if not penalty:
        return []
    steps = _segment(x, penalty)
    if slope == 0:
        return steps
    around = x - slope * (weeks - weeks[0])
    sloped = _segment(around, penalty)
    steps_cost = _cost(x, steps) + penalty * len(steps)
    sloped_cost = _cost(around, sloped) + penalty * (len(sloped) + 1)
    return sloped if sloped_cost < steps_cost else steps


def _change_penalty(x: np.ndarray) -> float:
    """Return the cost a change point must save: 0 when no split is possible."""
    n = len(x)
    if n < 2 * MIN_SEGMENT:
        return 0.0
    # Noise from successive differences: a level shift spoils one difference only.
    diffs = np.diff(x)
    noise = 1.4826 * float(np.median(np.abs(diffs - np.median(diffs)))) / math.sqrt(2)
    if noise == 0:
        noise = float(np.std(diffs)) / math.sqrt(2)
    return CHANGE_PENALTY * noise**2 * math.log(n)


def _segment(x: np.ndarray, penalty: float) -> list[int]:
    """Split `x` while a split saves more squared error than `penalty`."""
    found: list[int] = []
    segments = [(0, len(x))]
    while segments:
        start, end = segments.pop()
        split, gain = _best_split(x[start:end])
        if split is None or gain <= penalty:
            continue
        found.append(start + split)
        segments += [(start, start + split), (start + split, end)]
    return sorted(found)


def _cost(x: np.ndarray, change_points: list[int]) -> float:
    """Return the squared error of `x` about its segment means."""
    bounds = [0, *change_points, len(x)]
    return float(
        sum(
            ((x[a:b] - x[a:b].mean()) ** 2).sum() for a, b in itertools.pairwise(bounds)
        )
    )


def _best_split(x: np.ndarray) -> tuple[int | None, float]:
    """Return (index, saved squared error) of the best single mean split of `x`."""
    n = len(x)
    if n < 2 * MIN_SEGMENT:
        return None, 0.0
    cumulative = np.cumsum(x)
    total = cumulative[-1]
    left_n = np.arange(1, n)
    left_sum = cumulative[:-1]
    right_n = n - left_n
    right_sum = total - left_sum
    # Saved error of splitting after k points: n_l n_r / n (mean_l - mean_r)^2.
    gain = left_n * right_n / n * (left_sum / left_n - right_sum / right_n) ** 2
    gain[: MIN_SEGMENT - 1] = -1
    gain[n - MIN_SEGMENT :] = -1
    best = int(np.argmax(gain))
    return best + 1, float(gain[best])


def _sen_slope(
    x: np.ndarray, t: np.ndarray, *, s_variance: float
) -> tuple[float, float, float]:
    """Return Sen's slope of x over t and its 95% interval (Gilbert 1987).

    `s_variance` is the variance of the Mann-Kendall S, corrected as the test was,
    so the interval excludes 0 when the test is significant.
    """
    if len(x) > MAX_SLOPE_POINTS:
        # The interval is in ranks of the pairwise slopes: rescale the variance
        # of S to the thinned series it is read from.
        picked = np.linspace(0, len(x) - 1, MAX_SLOPE_POINTS).round().astype(int)
        s_variance *= _variance_of_s(x[picked]) / max(_variance_of_s(x), 1e-12)
        x, t = x[picked], t[picked]
    i, j = np.triu_indices(len(x), k=1)
    dt = t[j] - t[i]
    usable = dt > 0
    slopes = np.sort((x[j] - x[i])[usable] / dt[usable])
    pairs = len(slopes)
    if pairs == 0:
        return 0.0, 0.0, 0.0
    slope = float(np.median(slopes))
    spread = norm.ppf(1 - SIGNIFICANCE / 2) * math.sqrt(s_variance)
    low_rank = int(max(0, math.floor((pairs - spread) / 2)))
    high_rank = int(min(pairs - 1, math.ceil((pairs + spread) / 2)))
    return slope, float(slopes[low_rank]), float(slopes[high_rank])


def _variance_of_s(x: np.ndarray) -> float:
    """Return the tie-corrected variance of the Mann-Kendall S."""
    n = len(x)
    _, sizes = np.unique(x, return_counts=True)
    ties = float((sizes * (sizes - 1) * (2 * sizes + 5)).sum())
    return (n * (n - 1) * (2 * n + 5) - ties) / 18.0


def _hamed_rao_factor(x: np.ndarray) -> float:
    """Return the Hamed & Rao variance inflation for autocorrelated data (>= 1)."""
    n = len(x)
    if n < 4:
        return 1.0
    index = np.arange(n, dtype=float)
    i, j = np.triu_indices(n, k=1) if n <= MAX_SLOPE_POINTS else (None, None)
    if i is not None:
        slope = float(np.median((x[j] - x[i]) / (index[j] - index[i])))
    else:
        slope = float(np.polyfit(index, x, 1)[0])
    detrended = x - slope * index
    ranks = np.argsort(np.argsort(detrended, kind="stable"), kind="stable") + 1.0
    centred = ranks - ranks.mean()
    spectrum = np.fft.rfft(centred, 2 * n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    acf = acf / acf[0]
    lags = np.arange(1, n)
    rho = acf[1:]
    bound = norm.ppf(1 - SIGNIFICANCE / 2) / math.sqrt(n)
    rho = np.where(np.abs(rho) > bound, rho, 0.0)
    weights = (n - lags) * (n - lags - 1) * (n - lags - 2)
    factor = 1 + 2 / (n * (n - 1) * (n - 2)) * float((weights * rho).sum())
    # Never shrink the variance: a few chance negative correlations would
    # otherwise make plain noise look significant.
    return max(factor, 1.0)


def _clean(values: Sequence[float | None]) -> tuple[list[int], np.ndarray]:
    """Return the indices of valid values and those values as an array."""
    keep, kept = [], []
    for index, value in enumerate(values):
        if value is None:
            continue
        number = float(value)
        if math.isfinite(number):
            keep.append(index)
            kept.append(number)
    return keep, np.array(kept, dtype=float)


def _wall_seconds(moment: datetime) -> float:
    """Return seconds since 1970-01-01 on the wall clock of `moment`."""
    return (moment.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()


def _seconds(moment: datetime) -> float:
    """Return the POSIX seconds of an aware instant, or wall seconds of a naive one."""
    if moment.tzinfo is None:
        return (moment - datetime(1970, 1, 1)).total_seconds()
    return moment.timestamp()
