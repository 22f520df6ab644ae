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

Change points are found by binary segmentation on the mean (Scott & Knott
1974; see Truong, Oudre & Vayatis, "Selective review of offline change point
detection methods", Signal Processing 167, 2020), splitting while the cost
saved beats a BIC-like penalty scaled by a noise variance estimated from
successive differences (robust to the level shifts themselves), so pure noise
gives none. Plain numpy and scipy: no Django.
"""

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
    _, _, p, variance = _mann_kendall(x, autocorrelation=True)
    slope, low, high = _sen_slope(x, weeks, s_variance=variance)
    significant = p < SIGNIFICANCE
    direction = "flat"
    if significant and slope > 0:
        direction = "up"
    elif significant and slope < 0:
        direction = "down"
    change_points = [moments[i] for i in change_point_indices(x)]
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


def change_point_indices(values: Sequence[float]) -> list[int]:
    """Return the indices where a new level starts (binary segmentation on the mean)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 2 * MIN_SEGMENT:
        return []
    # Noise from successive differences: a level shift spoils one difference only.
    noise = 1.4826 * float(np.median(np.abs(np.diff(x) - np.median(np.diff(x)))))
    noise /= math.sqrt(2)
    if noise == 0:
        noise = float(np.std(np.diff(x))) / math.sqrt(2)
    if noise == 0:
        return []
    penalty = CHANGE_PENALTY * noise**2 * math.log(n)
    found: list[int] = []
    segments = [(0, n)]
    while segments:
        start, end = segments.pop()
        split, gain = _best_split(x[start:end])
        if split is None or gain <= penalty:
            continue
        found.append(start + split)
        segments += [(start, start + split), (start + split, end)]
    return sorted(found)


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


def _seconds(moment: datetime) -> float:
    """Return the POSIX seconds of an aware instant, or wall seconds of a naive one."""
    if moment.tzinfo is None:
        return (moment - datetime(1970, 1, 1)).total_seconds()
    return moment.timestamp()
