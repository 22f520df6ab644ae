"""The collect_analytics command and the Celery tasks: options, errors, idempotence."""

import datetime as dt
import io
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import MetricType, PerformanceMetric, SystemHealthMetric
from apps.analytics.periods import last_complete_period, periods_between
from apps.analytics.services.collection import collect_metrics
from apps.analytics.tasks import (
    collect_performance_metrics,
    collect_system_health_metrics,
)
from apps.analytics.tests.conftest import local
from apps.analytics.tests.factories import UserEngagementMetricFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[4]
# A day ahead everywhere, yet within the dates inputs may name.
SOON = (dt.date.today() + dt.timedelta(days=2)).isoformat()
# limits.latest_date(), whatever the day the test runs.
LATEST = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


def run(*args) -> str:
    out = io.StringIO()
    call_command("collect_analytics", *args, stdout=out)
    return out.getvalue()


# argparse quotes the choices on some Python versions and not on others.
BAD_PERIOD = (
    r"argument --period: invalid choice: 'yearly' "
    r"\(choose from '?hourly'?, '?daily'?, '?weekly'?, '?monthly'?\)"
)


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["--period", "yearly"], BAD_PERIOD),
        *(
            (args, re.escape(message))
            for args, message in [
                (
                    ["--days-back", "-3"],
                    "argument --days-back: must be between 1 and 3660, not -3.",
                ),
                (
                    ["--days-back", "0"],
                    "argument --days-back: must be between 1 and 3660, not 0.",
                ),
                (
                    ["--days-back", "ten"],
                    "argument --days-back: must be a whole number, not 'ten'.",
                ),
                (
                    ["--date", "2026-02-30"],
                    "argument --date: '2026-02-30' is not a real date or time: "
                    "day is out of range for month.",
                ),
                (
                    ["--date", "yesterday"],
                    "argument --date: expected a date like 2026-11-27 or an ISO "
                    "datetime like 2026-11-27T10:30, not 'yesterday'.",
                ),
                (
                    ["--date", ""],
                    "argument --date: expected a date like 2026-11-27 or an ISO "
                    "datetime like 2026-11-27T10:30, not ''.",
                ),
                (
                    ["--date", SOON],
                    f"argument --date: {SOON} is in the future: "
                    "nothing has happened there yet.",
                ),
            ]
        ),
        *(
            (
                ["--date", raw],
                re.escape(f"argument --date: {raw} must be between 2000-01-01 and ")
                + LATEST
                + r"\.",
            )
            # Each was an OverflowError (a traceback) or collected year 1.
            for raw in ["0001-01-01", "0001-01-01T00:00", "1999-12-31", "9999-12-31"]
        ),
    ],
)
def test_bad_input_is_a_one_line_error_and_writes_nothing(args, pattern):
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert re.fullmatch(f"Error: {pattern}", str(refused.value))
    assert not PerformanceMetric.objects.exists()


def test_bad_input_from_the_shell_exits_non_zero_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "collect_analytics", "--period", "yearly"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_ENV_FILE": "/nonexistent",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert re.fullmatch(f"CommandError: {BAD_PERIOD}", line)


def test_spec_command_lines_run_and_print_a_summary():
    UserEngagementMetricFactory(
        user=UserFactory(), timestamp=last_complete_period("daily").start
    )
    daily = run("--period", "daily", "--days-back", "1")
    assert "Collecting daily metrics for 2 period(s)" in daily
    assert "2 period(s) computed, 0 skipped" in daily
    weekly = run("--period", "weekly", "--system-health")
    assert "1 period(s) computed" in weekly
    assert "System health: database database_latency" in weekly
    assert "System health: cache cache_latency" in weekly
    assert "System health: disk disk_free" in weekly
    assert set(
        SystemHealthMetric.objects.filter(status="healthy").values_list(
            "component", "health_type"
        )
    ) >= {("database", "database_latency"), ("cache", "cache_latency")}


def test_second_run_says_what_it_skipped():
    run("--period", "daily", "--days-back", "3")
    again = run("--period", "daily", "--days-back", "3")
    assert (
        "1 period(s) computed, 3 skipped (already collected; --force recomputes them)"
        in again
    )
    forced = run("--period", "daily", "--days-back", "3", "--force")
    assert "4 period(s) computed, 0 skipped" in forced


def test_date_selects_the_period_containing_it_and_hours_of_that_day():
    run("--period", "weekly", "--date", "2026-11-12")
    week = PerformanceMetric.objects.get()
    assert week.metadata == {
        "sample_size": 0,
        "events": 0,
        "events_by_type": {},
        "sessions": 0,
        "mean_session_seconds": None,
        "events_per_active_user": None,
    }
    assert (week.period_start, week.period_end) == (
        local("2026-11-09"),
        local("2026-11-16"),
    )
    out = run("--period", "hourly", "--date", "2026-11-12")
    assert "for 24 period(s): 2026-11-12 00:00 to 2026-11-12 23:00" in out
    out = run("--period", "daily", "--date", "2026-11-12T10:30")
    assert "for 1 period(s): 2026-11-12 to 2026-11-12" in out


@pytest.mark.parametrize(
    ("date", "first"),
    [("2026-11-12", "2026-11-05"), ("2026-10-26", "2026-10-19")],
)
def test_days_back_counts_local_days_even_across_a_clock_change(date, first):
    out = run("--period", "daily", "--date", date, "--days-back", "7")
    assert f"for 8 period(s): {first} to {date}" in out


def test_task_collects_the_last_complete_period_and_is_idempotent():
    user = UserFactory()
    yesterday = last_complete_period("daily")
    UserEngagementMetricFactory(user=user, timestamp=yesterday.start)
    first = collect_performance_metrics.delay("daily").get(timeout=60)
    rows = sorted(PerformanceMetric.objects.values_list("id", "user_id", "value"))
    second = collect_performance_metrics.delay("daily").get(timeout=60)
    assert first["periods_computed"] == second["periods_computed"] == [yesterday.label]
    # The first run also filled the 7 days before, never collected; the second
    # finds none missing.
    assert len(first["gaps_filled"]) == 7 and second["gaps_filled"] == []
    assert (
        sorted(PerformanceMetric.objects.values_list("id", "user_id", "value")) == rows
    )
    latest = PerformanceMetric.objects.filter(period_start=yesterday.start)
    assert set(latest.values_list("user_id", "value")) == {(user.pk, 1.0), (None, 1.0)}


def test_task_refuses_an_unknown_period():
    with pytest.raises(ValueError, match="unknown period 'yearly'"):
        collect_performance_metrics("yearly")


@override_settings(CELERY_BROKER_URL="memory://", CELERY_TASK_ALWAYS_EAGER=True)
def test_system_health_task_stores_readings():
    readings = collect_system_health_metrics()
    # The embedded default has no broker: no queue or worker readings.
    assert sorted((r["component"], r["health_type"]) for r in readings) == [
        ("cache", "cache_latency"),
        ("database", "database_latency"),
        ("disk", "disk_free"),
        ("process", "memory_usage"),
        ("system", "cpu_usage"),
        ("system", "memory_usage"),
    ]
    assert SystemHealthMetric.objects.count() == 6


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers"
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_collections_never_duplicate_a_row():
    for _ in range(5):
        UserEngagementMetricFactory(
            user=UserFactory(), timestamp=last_complete_period("daily").start
        )
    errors = []

    def collect():
        try:
            collect_performance_metrics("daily")
        except Exception as exc:  # collected to fail the test, not to hide it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=collect) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engagement = PerformanceMetric.objects.filter(
        metric_type=MetricType.USER_ENGAGEMENT
    )
    yesterday = last_complete_period("daily").start
    assert engagement.filter(period_start=yesterday).count() == 6  # 5 users, org
    # The 7 days before were filled once each (the organisation's row).
    assert engagement.exclude(period_start=yesterday).count() == 7


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_collects_metrics_into_the_database(celery_worker_process):
    user = UserFactory()
    UserEngagementMetricFactory(
        user=user, timestamp=last_complete_period("daily").start
    )
    summary = collect_performance_metrics.delay("daily").get(timeout=120)
    assert summary["periods_computed"] == [last_complete_period("daily").label]
    assert PerformanceMetric.objects.get(user=user).value == 1


def test_the_task_fills_a_day_a_lost_task_left_missing_and_a_partial_one():
    user = UserFactory()
    days = periods_between(
        "daily",
        last_complete_period("daily").start - dt.timedelta(days=7),
        last_complete_period("daily").start,
    )  # the 7 days the task looks back over, and yesterday
    for period in days:
        UserEngagementMetricFactory(user=user, timestamp=period.start)
    collect_metrics(kind="daily", periods=days, force=True)
    lost, partial = days[1], days[2]
    PerformanceMetric.objects.filter(period_start=lost.start).delete()
    PerformanceMetric.objects.filter(period_start=partial.start, user=None).update(
        metadata={"partial": True}
    )

    result = collect_performance_metrics("daily")

    assert result["gaps_filled"] == [lost.label, partial.label]
    for period in (lost, partial):
        org = PerformanceMetric.objects.get(
            period_start=period.start, user=None, metric_type="user_engagement"
        )
        assert org.value == 1.0 and "partial" not in org.metadata
