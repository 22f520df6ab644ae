"""detect_anomalies: the scan by hand, with progress and a summary line."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.analytics.models import Anomaly, PerformanceMetric
from apps.analytics.periods import local_midnight

pytestmark = pytest.mark.django_db


def store_drop():
    today = timezone.localdate()
    values = [0.95, 0.96, 0.94, 0.95, 0.97, 0.95, 0.94] * 5
    values[-2] = 0.2
    for i, value in enumerate(values):
        day = today - dt.timedelta(days=len(values) - i)
        PerformanceMetric.objects.create(
            metric_type="crm_sync_success",
            aggregation_period="daily",
            period_start=local_midnight(day),
            period_end=local_midnight(day + dt.timedelta(days=1)),
            value=value,
            metadata={"numerator": value * 50, "denominator": 50},
        )


def run(*args) -> str:
    out = io.StringIO()
    call_command("detect_anomalies", *args, stdout=out)
    return out.getvalue()


def test_the_command_records_once_and_says_so():
    store_drop()
    first = run("--days", "10")
    assert "  daily metrics: 1 series, 1 anomalies found" in first
    assert ", 1 new recorded (0 already known)." in first
    assert Anomaly.objects.count() == 1
    second = run("--days", "10")
    assert ", 0 new recorded (1 already known)." in second
    assert Anomaly.objects.count() == 1


@pytest.mark.parametrize("days", ["0", "367", "ten", "1.5"])
def test_a_bad_days_option_is_a_one_line_error(days):
    with pytest.raises(CommandError, match="--days"):
        run("--days", days)
