"""The cleanup_analytics_data command and the cleanup_old_analytics_data task."""

import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import Report, ReportDelivery, UserEngagementMetric
from apps.analytics.tasks import cleanup_old_analytics_data
from apps.analytics.tests.factories import (
    ReportFactory,
    SystemHealthMetricFactory,
    UserEngagementMetricFactory,
)
from apps.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[4]
TASK_NAME = "apps.analytics.tasks.cleanup_old_analytics_data"
DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
SECONDS = r"[0-9]+\.[0-9]{2}s"


def run(*args) -> str:
    out = io.StringIO()
    call_command("cleanup_analytics_data", *args, stdout=out)
    return out.getvalue()


def seed_old_and_new() -> None:
    """Rows older than every default retention (1,000 days), and rows of today."""
    long_ago = timezone.now() - dt.timedelta(days=1000)
    user = UserFactory()
    for when in (long_ago, long_ago, timezone.now()):
        UserEngagementMetricFactory(user=user, timestamp=when)
    SystemHealthMetricFactory(timestamp=long_ago)
    report = ReportFactory(created_by=None)
    Report.objects.filter(pk=report.pk).update(created_at=long_ago)
    ReportDelivery.objects.create(
        report=report,
        report_type=report.report_type,
        period_start=report.period_start,
        period_end=report.period_end,
        recipient="lead@example.com",
    )
    audit = AuditLog.objects.create(
        action=AuditAction.EXPORT, method="GET", path="/export/", status_code=200
    )
    AuditLog.objects.filter(pk=audit.pk).update(created_at=long_ago)


def test_prints_each_table_then_a_summary_line_and_audits_the_run():
    seed_old_and_new()
    lines = run().splitlines()
    expected = [
        rf"  engagement: 2 rows from before {DAY} \(90 days\) removed \[{SECONDS}\]",
        rf"  data_quality: 0 rows from before {DAY} \(90 days\) removed \[{SECONDS}\]",
        rf"  system_health: 1 row from before {DAY} \(90 days\) removed \[{SECONDS}\]",
        rf"  alert_events: 0 rows from before {DAY} \(90 days\) removed \[{SECONDS}\]",
        rf"  performance: 0 rows from before {DAY} \(730 days\) removed \[{SECONDS}\]",
        rf"  alerts: 0 rows from before {DAY} \(730 days\) removed \[{SECONDS}\]",
        rf"  reports: 1 row from before {DAY} \(365 days\) removed, with 1 row "
        rf"of analytics.ReportDelivery \[{SECONDS}\]",
        rf"  audit_log: 1 row from before {DAY} \(365 days\) removed \[{SECONDS}\]",
        rf"Done in {SECONDS}: 6 rows removed from 8 table\(s\).",
    ]
    assert len(lines) == len(expected), lines
    for line, pattern in zip(lines, expected, strict=True):
        assert re.fullmatch(pattern, line), line
    assert UserEngagementMetric.objects.count() == 1
    audit = AuditLog.objects.get()
    assert (audit.action, audit.method, audit.path) == (
        AuditAction.DATA_CLEANUP,
        "CLI",
        "cleanup_analytics_data",
    )
    assert audit.parameters["removed"]["engagement"] == 2


def test_dry_run_counts_the_same_rows_and_removes_none():
    seed_old_and_new()
    dry = run("--dry-run")
    assert dry.splitlines()[0] == (
        "Dry run: counting what would be removed, removing none."
    )
    assert re.search(
        rf"  engagement: 2 rows from before {DAY} .* would be removed", dry
    )
    assert re.search(rf"Done in {SECONDS}: 6 rows would be removed from 8", dry)
    assert UserEngagementMetric.objects.count() == 3
    assert AuditLog.objects.count() == 1  # the seeded one: a dry run audits nothing
    assert re.search(rf"Done in {SECONDS}: 6 rows removed from 8", run())


def test_a_second_run_removes_nothing():
    seed_old_and_new()
    run()
    assert re.search(rf"Done in {SECONDS}: 0 rows removed from 8 table", run())
    assert AuditLog.objects.filter(action=AuditAction.DATA_CLEANUP).count() == 1


def test_table_narrows_the_run_and_zero_reads_kept_forever(settings):
    settings.ANALYTICS_RETENTION_DAYS = 0
    seed_old_and_new()
    lines = run("--table", "engagement", "--table", "audit_log").splitlines()
    assert lines[0] == "  engagement: kept forever (ANALYTICS_RETENTION_DAYS=0)"
    assert lines[1].startswith("  audit_log: 1 row from before ")
    assert re.fullmatch(
        rf"Done in {SECONDS}: 1 row removed from 2 table\(s\)\.", lines[2]
    )
    assert UserEngagementMetric.objects.count() == 3
    assert Report.objects.count() == 1


def test_unknown_table_is_a_one_line_error():
    with pytest.raises(CommandError, match=r"argument --table: invalid choice: 'x'"):
        run("--table", "x")


def test_a_setting_that_cannot_be_meant_is_a_one_line_error(settings):
    settings.ANALYTICS_REPORT_RETENTION_DAYS = -1
    seed_old_and_new()
    with pytest.raises(CommandError) as refused:
        run()
    assert str(refused.value) == (
        "ANALYTICS_REPORT_RETENTION_DAYS must be 0 (keep forever) or 1 to 36600 "
        "days, not -1."
    )
    assert UserEngagementMetric.objects.count() == 3


def test_a_bad_option_from_the_shell_exits_1_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "cleanup_analytics_data", "--table", "x"],
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
    assert line.startswith("CommandError: argument --table: invalid choice: 'x'")


def test_task_returns_the_summary_audits_as_the_task_and_is_idempotent():
    seed_old_and_new()
    first = cleanup_old_analytics_data.delay().get(timeout=60)
    assert first["removed"] == 6
    assert first["complete"] is True
    assert first["tables"]["reports"]["cascaded"] == {"analytics.ReportDelivery": 1}
    audit = AuditLog.objects.get(action=AuditAction.DATA_CLEANUP)
    assert (audit.user, audit.method, audit.path) == (None, "TASK", TASK_NAME)
    second = cleanup_old_analytics_data.delay().get(timeout=60)
    assert second["removed"] == 0
    assert AuditLog.objects.filter(action=AuditAction.DATA_CLEANUP).count() == 1


def test_task_dry_run_removes_nothing():
    seed_old_and_new()
    summary = cleanup_old_analytics_data(dry_run=True)
    assert (summary["dry_run"], summary["removed"]) == (True, 6)
    assert UserEngagementMetric.objects.count() == 3


def test_task_retries_only_what_may_pass_and_is_bounded_in_time():
    task = cleanup_old_analytics_data
    assert task.acks_late is True
    assert task.autoretry_for == (OperationalError, InterfaceError)
    assert (task.soft_time_limit, task.time_limit) == (20 * 60, 25 * 60)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_cleanup(celery_worker_process):
    UserEngagementMetricFactory(timestamp=timezone.now() - dt.timedelta(days=1000))
    summary = cleanup_old_analytics_data.delay().get(timeout=120)
    assert summary["tables"]["engagement"]["removed"] == 1
    assert not UserEngagementMetric.objects.exists()
