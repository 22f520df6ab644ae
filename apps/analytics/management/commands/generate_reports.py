"""Generate analytics reports, and email them."""

import argparse
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_email

from apps.accounts.scope import Scope
from apps.analytics.management.options import past_date
from apps.analytics.models import ReportStatus, ReportType
from apps.analytics.periods import local_day
from apps.analytics.reporting.delivery import report_url
from apps.analytics.services.report_requests import PERIOD_OF, BadReportRequest
from apps.analytics.services.reporting import (
    ReportGenerationFailed,
    ReportingService,
    run_scheduled_report,
)
from apps.core.commands import OneLineErrorsCommand

CLI_TYPES = [str(t.value) for t in (*PERIOD_OF, ReportType.USER_ACTIVITY)]
# The service names bad input by its API field; the command by its option.
OPTION_OF = {"date": "--date", "user_id": "--user-id", "report_type": "--report-type"}


def recipients_option(raw: str) -> list[str]:
    """Parse --email-recipients: comma-separated addresses, each valid."""
    recipients = [part.strip() for part in raw.split(",") if part.strip()]
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            raise argparse.ArgumentTypeError(
                f"{address!r} is not an email address"
            ) from None
    return recipients


def report_date(raw: str) -> dt.date:
    """Read --date as the local day it names."""
    return local_day(past_date(raw))


class Command(OneLineErrorsCommand):
    help = (
        "Generate analytics reports. --report-type builds one (the latest complete "
        "period unless --date); --auto-schedule builds and emails whatever the "
        "schedule has due. A completed report for the same type, period and scope is "
        "reused unless --force; no recipient is emailed the same report twice "
        "unless --resend."
    )

    def add_arguments(self, parser):
        parser.add_argument("--report-type", choices=CLI_TYPES)
        parser.add_argument(
            "--date",
            type=report_date,
            help="A date in the period to report (YYYY-MM-DD); for user_activity, "
            "the last of its 30 days.",
        )
        parser.add_argument(
            "--user-id",
            type=int,
            help="The user of a user_activity report; for other types, report on "
            "that user's data only.",
        )
        parser.add_argument(
            "--email-recipients",
            type=recipients_option,
            default=[],
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
        parser.add_argument(
            "--resend",
            action="store_true",
            help="Email the report again to recipients who already received it.",
        )

    def handle(self, *args, **options):
        recipients = options["email_recipients"]
        if options["auto_schedule"]:
            if options["report_type"] or options["date"] or options["user_id"]:
                raise CommandError(
                    "--auto-schedule takes no --report-type, --date or --user-id."
                )
            return self._auto_schedule(recipients)
        if not options["report_type"]:
            raise CommandError("Give --report-type or --auto-schedule.")
        service = ReportingService()
        try:
            report = service.request_report(
                options["report_type"],
                scope=Scope.system(),
                date=options["date"],
                subject=options["user_id"],
                force=options["force"],
            )
        except BadReportRequest as exc:
            name, messages = next(iter(exc.fields.items()))
            raise CommandError(f"{OPTION_OF.get(name, name)}: {messages[0]}") from None
        if report.status != ReportStatus.COMPLETED:
            raise CommandError(f"Generating the report failed: {report.error}")
        verb = "Reused" if report.reused else "Generated"
        hint = " (--force regenerates it)" if report.reused else ""
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {report.title}{hint}: {report_url(report)}")
        )
        if recipients:
            delivery = service.deliver(report, recipients, resend=options["resend"])
            self._print_delivery_outcome(
                delivery.sent, delivery.skipped, delivery.failed
            )
            if delivery.failed:
                raise CommandError("Some emails could not be sent; run again to retry.")

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
                "  not emailed again (already sent; --resend sends it again): "
                + ", ".join(skipped)
            )
        for address, error in failed.items():
            self.stderr.write(f"  failed to email {address}: {error}")
