"""Forecast the next periods of one metric series, with 80% and 95% intervals.

Exponential smoothing in its state-space form (ETS; Hyndman, Koehler, Snyder &
Grose, "A state space framework for automatic forecasting using exponential
smoothing methods", IJF 18, 2002; Hyndman & Athanasopoulos, *Forecasting:
Principles and Practice*, 3rd ed., ch. 8), fitted by statsmodels' `ETSModel`,
which gives analytic prediction intervals for additive models. Candidates:
simple smoothing and damped additive trend (Gardner & McKenzie 1985: an
undamped trend extrapolates too far), each with additive seasonality when the
series is long enough to learn it (a weekly cycle for daily series from three
weeks, a daily cycle for hourly series from three days). The candidate with the
lowest AICc wins. Additive errors only: metric values can be 0.

Where statsmodels fails or there are too few points, a seasonal-naive forecast
(or the mean, without a cycle) with empirical intervals from its own in-sample
errors stands in. Rates are kept in `bounds` by clipping the mean and the
intervals, not by a logit transform: success rates sit exactly at 1.0 for long
stretches and a logit would need an arbitrary epsilon that dominates the fit.

The input is put on a regular grid (its median spacing) and short gaps are
filled by linear interpolation before fitting. Plain numpy, scipy and
statsmodels: no Django.
"""

import itertools
import math
import warnings
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

HOUR = 3600.0
DAY = 86400.0
MIN_ETS_POINTS = 10
MAX_HISTORY = 1500  # points; older history adds fit time, not accuracy
SEASON_CYCLES = 3  # full cycles needed before a seasonal model is tried
LEVELS = (80, 95)


def forecast(
    values: Sequence[float | None],
    timestamps: Sequence[datetime],
    horizon: int,
    *,
    bounds: tuple[float, float] | None = None,
) -> dict:
    """Return the next `horizon` periods: timestamps, mean, 80%/95% bounds, model.

    The keys are `timestamps`, `mean`, `lower_80`, `upper_80`, `lower_95`,
    `upper_95` (lists of `horizon` items) and `model` (a short name).
    """
    if len(values) != len(timestamps):
        raise ValueError("values and timestamps must have the same length")
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    pairs = [
        (moment, float(value))
        for moment, value in zip(timestamps, values, strict=True)
        if value is not None and math.isfinite(float(value))
    ]
    if not pairs:
        raise ValueError("forecast needs at least one value")
    moments = [moment for moment, _ in pairs]
    step = _spacing(moments)
    y = _regular(pairs, step)[-MAX_HISTORY:]
    period = _season_period(step, len(y))
    result = _fit_ets(y, horizon, period)
    if result is None:
        result = _fallback(y, horizon, period)
    last = moments[-1]
    result["timestamps"] = [last + step * k for k in range(1, horizon + 1)]
    if bounds is not None:
        low, high = bounds
        for key in ("mean", "lower_80", "upper_80", "lower_95", "upper_95"):
            result[key] = [min(high, max(low, v)) for v in result[key]]
    return result


def _fit_ets(y: np.ndarray, horizon: int, period: int | None) -> dict | None:
    """Fit the ETS candidates, keep the lowest AICc, return its forecast."""
    if len(y) < MIN_ETS_POINTS or np.ptp(y) == 0:
        return None
    # Imported here: statsmodels takes a second to import and most callers of
    # this package only score anomalies.
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # A Series, not an array: statsmodels' prediction results need an index.
    endog = pd.Series(y)

    candidates = [(None, None), ("add", None)]
    if period:
        candidates += [(None, "add"), ("add", "add")]
    best = None
    for trend, seasonal in candidates:
        fitted = _fit_one(ETSModel, endog, trend, seasonal, period)
        if fitted is None:
            continue
        aicc = fitted.aicc
        if not math.isfinite(aicc):
            continue
        if best is None or aicc < best[0]:
            best = (aicc, fitted, trend, seasonal)
    if best is None:
        return None
    _, fitted, trend, seasonal = best
    start, end = len(y), len(y) + horizon - 1
    result = {}
    try:
        prediction = fitted.get_prediction(start=start, end=end)
        for level in LEVELS:
            frame = prediction.summary_frame(alpha=1 - level / 100)
            result[f"lower_{level}"] = [float(v) for v in frame["pi_lower"]]
            result[f"upper_{level}"] = [float(v) for v in frame["pi_upper"]]
        result["mean"] = [float(v) for v in frame["mean"]]
    except (ValueError, np.linalg.LinAlgError, RuntimeError):
        return None
    if not all(math.isfinite(v) for key in result for v in result[key]):
        return None
    name = "ETS(A,{},{})".format("Ad" if trend else "N", "A" if seasonal else "N")
    result["model"] = name
    return result


def _fit_one(ets_model, endog, trend, seasonal, period):
    """Fit one ETS candidate; None if statsmodels cannot.

    The initial states come from the heuristic of Hyndman et al. (2008, sec.
    2.6.1) rather than being estimated: ten times faster (two seconds down to
    a fifth for a 120-day weekly model on the bench machine) for a sMAPE a few
    hundredths worse. Too short a series for the heuristic is estimated.
    """
    for initialization in ("heuristic", "estimated"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = ets_model(
                    endog,
                    error="add",
                    trend=trend,
                    damped_trend=trend is not None,
                    seasonal=seasonal,
                    seasonal_periods=period if seasonal else None,
                    initialization_method=initialization,
                )
                return model.fit(disp=False)
            except (ValueError, np.linalg.LinAlgError, RuntimeError):
                continue
    return None


def _fallback(y: np.ndarray, horizon: int, period: int | None) -> dict:
    """Forecast by seasonal naive (or the mean) with empirical error quantiles."""
    n = len(y)
    if period and n >= 2 * period:
        errors = y[period:] - y[:-period]
        mean = [float(y[n - period + (k % period)]) for k in range(horizon)]
        # The k-th step repeats a value ceil(k / period) cycles old.
        growth = [math.sqrt(k // period + 1) for k in range(horizon)]
        name = "seasonal naive"
    else:
        errors = y - y.mean() if n > 1 else np.zeros(1)
        mean = [float(y.mean())] * horizon
        growth = [1.0] * horizon
        name = "mean"
    result = {"mean": mean, "model": name}
    for level in LEVELS:
        tail = (100 - level) / 200
        low, high = np.quantile(errors, [tail, 1 - tail])
        result[f"lower_{level}"] = [
            m + low * g for m, g in zip(mean, growth, strict=True)
        ]
        result[f"upper_{level}"] = [
            m + high * g for m, g in zip(mean, growth, strict=True)
        ]
    return result


def _spacing(moments: list[datetime]) -> timedelta:
    """Return the median gap between moments (a whole number of days if near one)."""
    if len(moments) < 2:
        return timedelta(days=1)
    gaps = sorted((b - a).total_seconds() for a, b in itertools.pairwise(moments))
    positive = [g for g in gaps if g > 0] or [DAY]
    seconds = positive[len(positive) // 2]
    days = round(seconds / DAY)
    if days >= 1 and abs(seconds - days * DAY) <= 2 * HOUR:
        # Calendar days: a DST change makes one day 23 or 25 hours long.
        return timedelta(days=days)
    return timedelta(seconds=round(seconds))


def _regular(pairs: list[tuple[datetime, float]], step: timedelta) -> np.ndarray:
    """Place values on a grid of `step` from the first moment; interpolate gaps."""
    first = pairs[0][0]
    slots = [round((moment - first) / step) for moment, _ in pairs]
    size = slots[-1] + 1 if slots[-1] >= slots[0] else len(pairs)
    if size > 10 * len(pairs):  # too irregular for a grid: use the order only
        return np.array([value for _, value in pairs])
    sums, counts = np.zeros(size), np.zeros(size)
    for slot, (_, value) in zip(slots, pairs, strict=True):
        sums[slot] += value
        counts[slot] += 1
    filled = counts > 0
    grid = np.arange(size)
    return np.interp(grid, grid[filled], sums[filled] / counts[filled])


def _season_period(step: timedelta, n: int) -> int | None:
    """Return the seasonal period the spacing shows, if there are enough cycles."""
    seconds = step.total_seconds()
    if abs(seconds - DAY) <= 2 * HOUR:
        period = 7
    elif abs(seconds - HOUR) <= 60:
        period = 24
    else:
        return None
    return period if n >= SEASON_CYCLES * period else None
