"""Scheduled reports, exactly-once email delivery and the generate_reports command."""

import csv
import datetime as dt
import io
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from celery.schedules import crontab
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.analytics.models import DeliveryStatus, Report, ReportDelivery, ReportStatus
from apps.analytics.periods import last_complete_period
from apps.analytics.services import ReportingService
from apps.analytics.services.reporting import run_scheduled_report
from apps.analytics.tasks import generate_scheduled_report
from apps.analytics.tests.factories import UserEngagementMetricFactory

pytestmark = pytest.mark.django_db
RECIPIENTS = ["lead@example.com", "ops@example.com"]
# A day ahead everywhere, yet within the dates inputs may name.
SOON = (dt.date.today() + dt.timedelta(days=2)).isoformat()


@pytest.fixture(autouse=True)
def _recipients(settings):
    settings.ANALYTICS_REPORT_EMAILS = RECIPIENTS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_scheduled_daily_report_is_emailed_once_per_recipient_with_the_csv():
    UserEngagementMetricFactory(
        user=UserFactory(), timestamp=last_complete_period("daily").start
    )
    first = generate_scheduled_report.delay("daily_summary").get(timeout=60)
    second = generate_scheduled_report.delay("daily_summary").get(timeout=60)

    assert sorted(first["sent"]) == RECIPIENTS
    assert (second["sent"], sorted(second["skipped"]), second["reused"]) == (
        [],
        RECIPIENTS,
        True,
    )
    assert sorted(m.to[0] for m in mail.outbox) == RECIPIENTS
    message = mail.outbox[0]
    assert message.subject.startswith("Daily summary for ")
    ((name, content, mimetype),) = message.attachments
    assert name.startswith("daily_summary-") and name.endswith(".csv")
    assert mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[4][:3] == ["Metric", "Value", "Sample size"]
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "Active users" in html
    assert Report.objects.count() == 1
    assert set(ReportDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_failed_send_is_recorded_visible_and_retried_without_resending_others():
    original = mail.EmailMultiAlternatives.send

    def flaky(message, *args, **kwargs):
        if message.to == ["ops@example.com"]:
            raise ConnectionRefusedError("SMTP server unreachable")
        return original(message, *args, **kwargs)

    with mock.patch.object(mail.EmailMultiAlternatives, "send", flaky):
        outcome = run_scheduled_report("daily_summary")
    assert outcome["sent"] == ["lead@example.com"]
    assert outcome["failed"] == {"ops@example.com": "SMTP server unreachable"}
    failed = ReportDelivery.objects.get(recipient="ops@example.com")
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 1)
    assert failed.last_error == "ConnectionRefusedError: SMTP server unreachable"
    assert failed.report.deliveries.count() == 2  # visible on the report

    retry = run_scheduled_report("daily_summary")
    assert (retry["sent"], retry["skipped"]) == (
        ["ops@example.com"],
        ["lead@example.com"],
    )
    assert sorted(m.to[0] for m in mail.outbox) == RECIPIENTS
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.SENT, 2)


def test_the_task_raises_for_a_retry_when_a_send_failed(settings):
    settings.ANALYTICS_REPORT_EMAILS = ["ops@example.com"]
    with (
        mock.patch.object(
            mail.EmailMultiAlternatives, "send", side_effect=OSError("down")
        ),
        mock.patch.object(generate_scheduled_report, "max_retries", 0),
        pytest.raises(Exception, match=r"not sent to ops@example\.com"),
    ):
        generate_scheduled_report.apply(args=("daily_summary",), throw=True)


def test_a_claim_in_progress_is_not_sent_twice():
    report = run_scheduled_report("daily_summary", recipients=[])
    assert report["sent"] == []
    row = ReportDelivery.objects.create(
        report_id=report["report_id"],
        report_type="daily_summary",
        period_start=Report.objects.get().period_start,
        period_end=Report.objects.get().period_end,
        recipient="lead@example.com",
        status=DeliveryStatus.SENDING,
        claimed_at=timezone.now(),
    )
    outcome = run_scheduled_report("daily_summary", recipients=["lead@example.com"])
    assert outcome["skipped"] == ["lead@example.com"] and mail.outbox == []
    row.claimed_at = timezone.now() - dt.timedelta(hours=1)  # the sender died
    row.save()
    outcome = run_scheduled_report("daily_summary", recipients=["lead@example.com"])
    assert outcome["sent"] == ["lead@example.com"]


def test_unknown_scheduled_report_type_is_refused():
    with pytest.raises(ValueError, match="unknown scheduled report 'yearly'"):
        generate_scheduled_report("yearly")


@pytest.mark.parametrize(
    ("hour", "hours_later"),
    # 02:00 on the night the clocks go back comes before the change (24 h later);
    # 03:00 comes after it, 25 h later: either way the wall clock is what is kept.
    [(2, 24), (3, 25)],
)
def test_daily_schedule_follows_local_time_across_the_dst_change(hour, hours_later):
    # Beat reads times in CELERY_TIMEZONE, which is the organisation's TIME_ZONE.
    from config import settings as project_settings

    assert project_settings.CELERY_TIMEZONE == project_settings.TIME_ZONE
    app = Celery(set_as_current=False)
    app.conf.timezone = "Europe/Amsterdam"
    amsterdam = ZoneInfo("Europe/Amsterdam")
    last_run = dt.datetime(2026, 10, 24, hour, 0, tzinfo=amsterdam)
    now = dt.datetime(2026, 10, 24, 12, 0, tzinfo=amsterdam)
    schedule = crontab(hour=hour, minute=0, nowfun=lambda: now, app=app)

    remaining = schedule.remaining_estimate(last_run)
    next_run = (now.astimezone(dt.UTC) + remaining).astimezone(amsterdam)

    assert (next_run.day, next_run.hour, next_run.minute) == (25, hour, 0)
    elapsed = next_run.astimezone(dt.UTC) - last_run.astimezone(dt.UTC)
    assert elapsed == dt.timedelta(hours=hours_later)


def run(*args):
    out = io.StringIO()
    call_command("generate_reports", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_spec_command_lines_run():
    out = run("--report-type", "daily_summary")
    assert out.startswith("Generated Daily summary for ")
    assert "/reports/" in out
    out = run("--report-type", "daily_summary")
    assert out.startswith("Reused Daily summary") and "--force regenerates it" in out
    auto = run("--auto-schedule")
    assert "daily_summary" in auto and "weekly_performance" in auto
    assert "monthly_analytics" in auto
    assert sorted({m.to[0] for m in mail.outbox}) == RECIPIENTS
    assert len(mail.outbox) == 6  # three reports, two recipients, once each
    run("--auto-schedule")
    assert len(mail.outbox) == 6


def test_command_emails_recipients_and_user_reports():
    member = UserFactory(username="member")
    out = run(
        "--report-type",
        "user_activity",
        "--user-id",
        str(member.pk),
        "--email-recipients",
        "boss@example.com, coach@example.com",
    )
    assert out.startswith("Generated Activity of member")
    assert "emailed: boss@example.com, coach@example.com" in out
    report = Report.objects.get()
    assert report.subject_user == member and report.status == ReportStatus.COMPLETED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Give --report-type or --auto-schedule."),
        (
            ["--report-type", "yearly"],
            "--report-type: invalid choice: 'yearly' .choose from 'daily_summary'",
        ),
        (["--report-type", "custom"], "--report-type: invalid choice: 'custom'"),
        (
            ["--report-type", "daily_summary", "--date", "31/12/2026"],
            "--date: expected a date like 2026-11-27 or an ISO datetime like "
            "2026-11-27T10:30, not '31/12/2026'.",
        ),
        (
            ["--report-type", "daily_summary", "--date", SOON],
            f"--date: {SOON} is in the future",
        ),
        (
            # Was an OverflowError, or a report for year 1.
            ["--report-type", "weekly_performance", "--date", "0001-01-01"],
            "--date: 0001-01-01 must be between 2000-01-01 and ",
        ),
        (
            ["--report-type", "daily_summary", "--date", "9999-12-31T23:00-12:00"],
            "--date: 9999-12-31T23:00-12:00 must be between 2000-01-01 and ",
        ),
        (
            ["--report-type", "user_activity"],
            "--user-id: A user_activity report needs a user.",
        ),
        (
            ["--report-type", "user_activity", "--user-id", "99999"],
            "--user-id: No user 99999 you may report on.",
        ),
        (
            ["--report-type", "daily_summary", "--email-recipients", "a@b.com,nope"],
            "--email-recipients: 'nope' is not an email address",
        ),
        (
            ["--auto-schedule", "--report-type", "daily_summary"],
            "takes no --report-type",
        ),
    ],
)
def test_bad_input_is_a_one_line_error_and_generates_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Report.objects.exists()


def test_different_reports_of_one_period_each_reach_the_same_recipient():
    """The ledger is keyed by the report's scope: one user's activity report does
    not stop another's, nor a member's daily summary the organisation's."""
    three, four = UserFactory(username="three"), UserFactory(username="four")
    for user in (three, four):
        run(
            "--report-type",
            "user_activity",
            "--user-id",
            str(user.pk),
            "--email-recipients",
            "lead@example.com",
        )
    member_daily = ReportingService().generate_daily_summary_report(user=three)
    ReportingService().deliver(member_daily, ["lead@example.com"])
    run_scheduled_report("daily_summary", recipients=["lead@example.com"])

    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 4
    assert subjects[0].startswith("Activity of four")
    assert subjects[1].startswith("Activity of three")
    assert sorted(s.rsplit("(", 1)[1] for s in subjects[2:]) == [
        "Whole organisation)",
        "three)",
    ]
    assert ReportDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 4


def test_resend_sends_a_report_again_and_force_alone_does_not():
    out = run(
        "--report-type", "daily_summary", "--email-recipients", "lead@example.com"
    )
    assert "emailed: lead@example.com" in out
    out = run(
        "--report-type",
        "daily_summary",
        "--force",
        "--email-recipients",
        "lead@example.com",
    )
    assert "not emailed again" in out and "--resend" in out
    assert len(mail.outbox) == 1
    out = run(
        "--report-type",
        "daily_summary",
        "--resend",
        "--email-recipients",
        "lead@example.com",
    )
    assert "emailed: lead@example.com" in out
    assert len(mail.outbox) == 2
    assert ReportDelivery.objects.get().attempts == 2
