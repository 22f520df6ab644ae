"""Benchmark: the insights functions' speed, forecast accuracy, and a NAB-style score.

Run by hand, no database needed:

    .venv/bin/python bench/insights.py

It prints:
1. points per second of `anomaly_scores` on 20,000 and 100,000 five-minute points;
2. forecast time, and sMAPE and 95% coverage against seasonal naive on held-out
   weeks of seeded weekly-seasonal daily series (the test's series);
3. the score of the detector on a corpus of seeded NAB-like streams (machine
   CPU with a daily cycle, heavy-tailed latency, a flat metric that shifts, a
   temperature drifting to failure, taxi-like demand with daily and weekly
   cycles, a request count that collapses, and a clean stream), scored with the
   rules of the Numenta Anomaly Benchmark's standard profile (Lavin & Ahmad,
   ICMLA 2015): a window of 10% of the stream's length split among its
   anomalies, centred on each; the first detection in a window earns a reward
   that falls from 1 at the window's start to 0 at its end (a scaled sigmoid);
   each missed window costs 1; each point flagged outside a window costs up to
   0.11 (less just after a window); the first 15% (at most 750 points) is
   probation and not scored. Normalised so flagging nothing scores 0 and
   detecting every window at its start scores 100. Baselines: a rolling
   3-sigma rule over the previous day, and flagging every point.

The streams are synthetic and written here, so the score says how the detector
copes with those shapes, not how it ranks on NAB's real corpus.
"""

import math
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.analytics.insights import DEFAULT_THRESHOLD, anomaly_scores, forecast

START = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
FIVE_MINUTES = timedelta(minutes=5)


def timed(function, *args, repeat: int = 3) -> float:
    """Return the best wall time of `repeat` calls, in seconds."""
    best = math.inf
    for _ in range(repeat):
        began = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - began)
    return best


def throughput() -> None:
    """Print points per second of anomaly_scores."""
    for n in (20_000, 100_000):
        values, moments, _ = cpu_daily(np.random.default_rng(n), n)
        seconds = timed(anomaly_scores, values, moments)
        print(
            f"anomaly_scores  {n:>7} points  {seconds:6.3f} s"
            f"  {n / seconds:>9,.0f} points/s"
        )


def forecast_accuracy() -> None:
    """Print forecast time, sMAPE vs seasonal naive and 95% coverage."""
    profile = np.array([5.0, 6.0, 6.0, 5.0, 3.0, -10.0, -12.0])
    holdout, ours, naive, covered, took = 28, [], [], [], []
    models = {}
    for seed in range(8):
        rng = np.random.default_rng(seed)
        n = 120 + holdout
        index = np.arange(n)
        values = 100 + 0.1 * index + profile[index % 7] + rng.normal(0, 2, n)
        moments = [START + timedelta(days=i) for i in range(n)]
        history, actual = values[:-holdout], values[-holdout:]
        began = time.perf_counter()
        result = forecast(list(history), moments[:-holdout], holdout)
        took.append(time.perf_counter() - began)
        models[result["model"]] = models.get(result["model"], 0) + 1
        ours.append(smape(actual, result["mean"]))
        naive.append(smape(actual, [history[-7 + k % 7] for k in range(holdout)]))
        inside = (actual >= result["lower_95"]) & (actual <= result["upper_95"])
        covered.append(float(np.mean(inside)))
    print(
        f"forecast (120 daily points, 28 ahead)  median {statistics.median(took):.2f} s"
        f"  models {models}"
    )
    print(
        f"sMAPE  ETS {np.mean(ours):.2f}%  seasonal naive {np.mean(naive):.2f}%"
        f"  95% coverage {np.mean(covered):.1%}"
    )
    hours = 24 * 56
    values, moments, _ = cpu_daily(
        np.random.default_rng(1), hours, step=timedelta(hours=1)
    )
    seconds = timed(forecast, values, moments, 48, repeat=1)
    print(f"forecast (8 weeks hourly, 48 ahead)  {seconds:.2f} s")


def smape(actual, predicted) -> float:
    """Return the symmetric MAPE in percent."""
    actual, predicted = np.asarray(actual), np.asarray(predicted)
    return float(
        np.mean(2 * np.abs(actual - predicted) / (np.abs(actual) + np.abs(predicted)))
        * 100
    )


# --- NAB-like corpus: each generator returns (values, moments, anomaly indices) ---


def daily_wave(moments, peak_hour: int = 14) -> np.ndarray:
    """Return a smooth daily cycle in [-1, 1], highest at `peak_hour`."""
    hours = np.array([m.hour + m.minute / 60 for m in moments])
    return np.cos(2 * np.pi * (hours - peak_hour) / 24)


def ar_noise(rng, n: int, sd: float, phi: float = 0.6) -> np.ndarray:
    """Return AR(1) noise with marginal standard deviation `sd`."""
    shocks = rng.normal(0, sd * math.sqrt(1 - phi**2), n)
    noise = np.empty(n)
    noise[0] = shocks[0]
    for i in range(1, n):
        noise[i] = phi * noise[i - 1] + shocks[i]
    return noise


def grid(n: int, step: timedelta = FIVE_MINUTES) -> list[datetime]:
    return [START + step * i for i in range(n)]


def cpu_daily(rng, n: int = 4032, step: timedelta = FIVE_MINUTES):
    """Machine CPU with a daily cycle; a runaway process pins it for 3 hours."""
    moments = grid(n, step)
    values = 40 + 15 * daily_wave(moments) + ar_noise(rng, n, 3)
    at = int(n * 0.7)
    span = max(1, int(timedelta(hours=3) / step))
    values[at : at + span] = 92 + rng.normal(0, 2, len(values[at : at + span]))
    return list(np.clip(values, 0, 100)), moments, [at]


def latency_spiky(rng, n: int = 2880):
    """Heavy-tailed latency with harmless lone spikes; an hour at twice the usual."""
    moments = grid(n)
    values = 100 * (1 + 0.3 * daily_wave(moments)) * rng.lognormal(0, 0.2, n)
    lone = rng.choice(n, size=n // 300, replace=False)
    values[lone] *= rng.uniform(1.6, 2.0, len(lone))
    at = int(n * 0.65)
    values[at : at + 12] *= 2.5
    return list(values), moments, [at]


def flat_then_shift(rng, n: int = 1440):
    """A flat metric that moves by a unit now and then; then a lasting step."""
    moments = grid(n, timedelta(hours=1))
    values = np.full(n, 100.0)
    wiggles = rng.choice(n, size=n // 40, replace=False)
    values[wiggles] += rng.choice([-1.0, 1.0], len(wiggles))
    at = int(n * 0.75)
    values[at:] += 12
    return list(values), moments, [at]


def temperature_to_failure(rng, n: int = 4032):
    """Machine temperature with a daily cycle, drifting up, then failing cold."""
    moments = grid(n)
    values = 80 + 3 * daily_wave(moments, 15) + ar_noise(rng, n, 1.2, 0.8)
    drift_start, fail = int(n * 0.55), int(n * 0.8)
    values[drift_start:fail] += np.linspace(0, 12, fail - drift_start)
    values[fail:] -= 25
    return list(values), moments, [drift_start + (fail - drift_start) // 3, fail]


def taxi_demand(rng, n: int = 48 * 70):
    """Half-hourly demand with daily and weekly cycles; a holiday and a storm."""
    step = timedelta(minutes=30)
    moments = grid(n, step)
    weekday = np.array([m.weekday() for m in moments])
    base = 15000 + 9000 * daily_wave(moments, 19) - 4000 * (weekday >= 5)
    values = base * rng.lognormal(0, 0.06, n)
    holiday = 48 * 50 + 12  # a Thursday morning
    values[holiday : holiday + 30] *= 0.45
    storm = 48 * 61 + 36  # an evening
    values[storm : storm + 4] *= 1.9
    return list(values), moments, [holiday, storm]


def requests_collapse(rng, n: int = 4032):
    """Request counts (Poisson) with a daily cycle; traffic falls to a tenth."""
    moments = grid(n)
    rate = 60 * (1 + 0.7 * daily_wave(moments, 13))
    at = int(n * 0.6)
    rate[at : at + 24] *= 0.1
    return list(rng.poisson(rate).astype(float)), moments, [at]


def clean_cpu(rng, n: int = 4032):
    """Machine CPU with a daily cycle and nothing wrong."""
    moments = grid(n)
    return list(40 + 15 * daily_wave(moments) + ar_noise(rng, n, 3)), moments, []


def rough_clean(rng, n: int = 4032):
    """Nothing wrong, but rough: t(3) noise, a slow wandering level, bursts of
    volatility and a daily cycle, as real machine metrics often are."""
    moments = grid(n)
    wander = np.cumsum(rng.normal(0, 0.15, n))
    volatility = np.where((np.arange(n) // 288) % 3 == 1, 2.0, 1.0)
    noise = rng.standard_t(3, n) * 2 * volatility
    values = 50 + 8 * daily_wave(moments) + wander + ar_noise(rng, n, 2, 0.9) + noise
    return list(values), moments, []


GENERATORS = (
    cpu_daily,
    latency_spiky,
    flat_then_shift,
    temperature_to_failure,
    taxi_demand,
    requests_collapse,
    clean_cpu,
    rough_clean,
)


def corpus(seeds: int = 3):
    """Return [(name, values, moments, anomaly indices)] for every generator."""
    streams = []
    for seed in range(seeds):
        for make in GENERATORS:
            rng = np.random.default_rng(1000 * seed + len(streams))
            values, moments, anomalies = make(rng)
            streams.append((f"{make.__name__}#{seed}", values, moments, anomalies))
    return streams


# --- NAB scoring, standard profile ---

TP_WEIGHT, FP_WEIGHT, FN_WEIGHT = 1.0, 0.11, 1.0


def scaled_sigmoid(position: float) -> float:
    """Return NAB's reward for a relative position (-1 window start, >0 after)."""
    if position > 3.0:
        return -1.0
    return 2 / (1 + math.exp(5 * position)) - 1


def windows(n: int, anomalies: list[int]) -> list[tuple[int, int]]:
    """Return NAB windows: 10% of the stream split among anomalies, centred."""
    if not anomalies:
        return []
    width = int(0.1 * n / len(anomalies))
    return [(max(0, a - width // 2), min(n - 1, a + width // 2)) for a in anomalies]


def nab_raw(scores: list[float], spans: list[tuple[int, int]], threshold: float):
    """Return (raw score, detected windows, false positives) of one stream."""
    n = len(scores)
    probation = min(math.floor(0.15 * n), int(0.15 * 5000))
    max_tp = scaled_sigmoid(-1.0)
    best = [-FN_WEIGHT] * len(spans)
    fp_total, fp_count = 0.0, 0
    previous = None
    window = 0
    for i in range(n):
        while window < len(spans) and i > spans[window][1]:
            previous = spans[window]
            window += 1
        inside = window < len(spans) and spans[window][0] <= i <= spans[window][1]
        if i < probation or scores[i] < threshold:
            continue
        if inside:
            start, end = spans[window]
            position = -(end - i + 1) / (end - start + 1)
            reward = scaled_sigmoid(position) * TP_WEIGHT / max_tp
            best[window] = max(best[window], reward)
        else:
            if previous is None:
                position = 3.0
            else:
                position = abs(previous[1] - i) / max(previous[1] - previous[0], 1)
            fp_total += scaled_sigmoid(position) * FP_WEIGHT
            fp_count += 1
    detected = sum(1 for b in best if b > -FN_WEIGHT)
    return sum(best) + fp_total, detected, fp_count


def nab_score(detector, streams, threshold: float) -> tuple[float, int, int, int]:
    """Return (normalised score, windows detected, windows, false positives)."""
    raw_total = null = perfect = 0.0
    detected_total = windows_total = fp_total = 0
    for _, values, moments, anomalies in streams:
        spans = windows(len(values), anomalies)
        raw, detected, fps = nab_raw(detector(values, moments), spans, threshold)
        raw_total += raw
        null += -FN_WEIGHT * len(spans)
        perfect += TP_WEIGHT * len(spans)
        detected_total += detected
        windows_total += len(spans)
        fp_total += fps
    score = 100 * (raw_total - null) / (perfect - null)
    return score, detected_total, windows_total, fp_total


def rolling_three_sigma(values, moments) -> list[float]:
    """Score |z| against the mean and sd of the previous day, 0.5 at 3 sigma."""
    x = np.asarray(values, dtype=float)
    spacing = (moments[1] - moments[0]).total_seconds()
    width = max(10, int(86400 / spacing))
    scores = [0.0] * len(x)
    cumulative = np.concatenate([[0.0], np.cumsum(x)])
    squares = np.concatenate([[0.0], np.cumsum(x * x)])
    for i in range(width, len(x)):
        mean = (cumulative[i] - cumulative[i - width]) / width
        var = (squares[i] - squares[i - width]) / width - mean * mean
        z = abs(x[i] - mean) / math.sqrt(max(var, 1e-12))
        scores[i] = z / (z + 3.0)
    return scores


def flag_everything(values, moments) -> list[float]:
    return [1.0] * len(values)


def nab_report() -> None:
    """Print the NAB-style score of the detector and the baselines."""
    streams = corpus()
    cached = {}

    def memo(name, detector):
        def run(values, moments):
            key = (name, id(values))
            if key not in cached:
                cached[key] = detector(values, moments)
            return cached[key]

        return run

    thresholds = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
    for name, detector, default in (
        ("anomaly_scores", anomaly_scores, DEFAULT_THRESHOLD),
        ("rolling 3-sigma", rolling_three_sigma, 0.5),
        ("flag everything", flag_everything, 0.5),
    ):
        run = memo(name, detector)
        score, found, total, fps = nab_score(run, streams, default)
        print(
            f"NAB-style  {name:<16} threshold {default:.2f}: score {score:6.1f}"
            f"  windows {found}/{total}  false positives {fps}"
        )
        if name != "flag everything":
            sweep = [(nab_score(run, streams, t)[0], t) for t in thresholds]
            best_score, best_t = max(sweep)
            print(
                f"{'':11}{name:<16} best threshold {best_t:.2f}:"
                f" score {best_score:6.1f}"
            )


def main() -> None:
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.node()}"
    )
    throughput()
    forecast_accuracy()
    nab_report()


if __name__ == "__main__":
    main()
