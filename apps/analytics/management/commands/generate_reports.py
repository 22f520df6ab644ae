"""Generate analytics reports, and email them."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils import timezone

from apps.accounts.models import User
from apps.analytics.models import ReportStatus, ReportType
from apps.analytics.periods import local_midnight
from apps.analytics.reporting.delivery import deliver_report, report_url
from apps.analytics.reporting.scope import scope_for, user_scope
from apps.analytics.services.reporting import (
    PERIOD_OF,
    USER_ACTIVITY_DAYS,
    ReportGenerationFailed,
    ReportingService,
    parse_report_date,
    period_for,
    run_scheduled_report,
)

CLI_TYPES = [*PERIOD_OF, ReportType.USER_ACTIVITY]


def parse_recipients(raw: str | None) -> list[str]:
    """Validate --email-recipients: comma-separated addresses, each valid."""
    if not raw:
        return []
    recipients = [part.strip() for part in raw.split(",") if part.strip()]
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            raise CommandError(
                f"--email-recipients: {address!r} is not an email address."
            ) from None
    return recipients


class Command(BaseCommand):
    help = (
        "Generate analytics reports. --report-type builds one (the latest complete "
        "period unless --date); --auto-schedule builds and emails whatever the "
        "schedule has due. A completed report for the same type, period and scope is "
        "reused unless --force; no recipient is emailed twice for a type and period."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--report-type",
            help=f"One of {', '.join(CLI_TYPES)}.",
        )
        parser.add_argument(
            "--date", help="A date in the period to report (YYYY-MM-DD)."
        )
        parser.add_argument(
            "--user-id",
            help="The user of a user_activity report; for other types, report on "
            "that user's data only.",
        )
        parser.add_argument(
            "--email-recipients",
            help="Comma-separated addresses to email the report to.",
        )
        parser.add_argument(
            "--auto-schedule",
            action="store_true",
            help="Generate and email the daily, weekly and monthly reports due.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Regenerate a report that already exists.",
        )

    def handle(self, *args, **options):
        recipients = parse_recipients(options["email_recipients"])
        if options["auto_schedule"]:
            if options["report_type"] or options["date"] or options["user_id"]:
                raise CommandError(
                    "--auto-schedule takes no --report-type, --date or --user-id."
                )
            return self._auto_schedule(recipients)
        report_type = options["report_type"]
        if not report_type:
            raise CommandError("Give --report-type or --auto-schedule.")
        if report_type not in CLI_TYPES:
            choices = ", ".join(CLI_TYPES)
            raise CommandError(
                f"--report-type must be one of {choices}, not {report_type!r}."
            )
        date = self._date(options["date"])
        user = self._user(options["user_id"])
        report = self._generate(report_type, date, user, options["force"])
        if report.status != ReportStatus.COMPLETED:
            raise CommandError(f"Generating the report failed: {report.error}")
        verb = "Reused" if report.reused else "Generated"
        hint = " (--force regenerates it)" if report.reused else ""
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {report.title}{hint}: {report_url(report)}")
        )
        if recipients:
            delivery = deliver_report(report, recipients)
            self._print_delivery_outcome(
                delivery.sent, delivery.skipped, delivery.failed
            )
            if delivery.failed:
                raise CommandError("Some emails could not be sent; run again to retry.")

    def _generate(self, report_type, date, user, force):
        service = ReportingService()
        if report_type == ReportType.USER_ACTIVITY:
            if user is None:
                raise CommandError("A user_activity report needs --user-id.")
            day = date or timezone.localdate() - dt.timedelta(days=1)
            end = local_midnight(day + dt.timedelta(days=1))
            start = end - dt.timedelta(days=USER_ACTIVITY_DAYS)
            return service.generate_user_activity_report(user, start, end, force=force)
        # Without --user-id: the organisation, as a scheduled report covers it.
        period = period_for(report_type, date)
        return service.create_and_build(
            report_type,
            period.start,
            period.end,
            user_scope(user) if user else scope_for(None),
            subject_user=user,
            force=force,
        )

    def _auto_schedule(self, extra_recipients):
        recipients = [*settings.ANALYTICS_REPORT_EMAILS, *extra_recipients]
        failed = 0
        for report_type in PERIOD_OF:
            try:
                outcome = run_scheduled_report(report_type, recipients)
            except ReportGenerationFailed as exc:
                raise CommandError(f"Generating the report failed: {exc}") from None
            verb = "reused" if outcome["reused"] else "generated"
            self.stdout.write(f"{report_type} {outcome['period']}: {verb}")
            self._print_delivery_outcome(
                outcome["sent"], outcome["skipped"], outcome["failed"]
            )
            failed += len(outcome["failed"])
        if failed:
            raise CommandError(
                f"{failed} email(s) could not be sent; run again to retry."
            )

    def _print_delivery_outcome(self, sent, skipped, failed):
        if sent:
            self.stdout.write(f"  emailed: {', '.join(sent)}")
        if skipped:
            self.stdout.write(
                "  not emailed again (already sent for this period): "
                + ", ".join(skipped)
            )
        for address, error in failed.items():
            self.stderr.write(f"  failed to email {address}: {error}")

    def _date(self, raw):
        if raw is None:
            return None
        value = parse_report_date(raw)
        if value is None:
            raise CommandError(f"--date must be a date like 2026-11-27, not {raw!r}.")
        if isinstance(value, dt.datetime):
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            value = timezone.localtime(value).date()
        if value > timezone.localdate():
            raise CommandError(f"--date {raw} is in the future.")
        return value

    def _user(self, raw):
        if raw is None:
            return None
        try:
            return User.objects.get(pk=int(raw))
        except (ValueError, User.DoesNotExist):
            raise CommandError(f"--user-id {raw!r}: no such user.") from None
