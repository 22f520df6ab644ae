"""The insights functions run in plain Python, with no Django settings at all."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]

SCRIPT = """
import sys
from datetime import datetime, timedelta, timezone
from apps.analytics.insights import anomaly_scores, detect, forecast, trend
start = datetime(2025, 1, 6, tzinfo=timezone.utc)
moments = [start + timedelta(days=i) for i in range(40)]
noise = [0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.4]
values = [10.0 + (i % 7) + 0.1 * i + noise[i % 8] for i in range(40)]
values[30] = 60.0
assert len(anomaly_scores(values, moments)) == 40
assert [d.index for d in detect(values, moments)] == [30]
assert trend(values, moments).direction == "up"
assert len(forecast(values, moments, 7)["mean"]) == 7
assert "django" not in sys.modules  # nothing pulled Django in
print("ok")
"""


def test_insights_import_and_run_without_django_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
