"""Delete analytics data older than its retention settings (the weekly task's twin)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from apps.analytics.periods import local_day
from apps.analytics.services.retention import TABLES, TableCleanup, cleanup_old_data
from apps.core.commands import OneLineErrorsCommand

COMMAND_NAME = "cleanup_analytics_data"


def rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


class Command(OneLineErrorsCommand):
    help = (
        "Delete analytics data older than its retention: engagement events, data "
        "quality and system health readings after ANALYTICS_RETENTION_DAYS, metric "
        "rows after ANALYTICS_METRICS_RETENTION_DAYS, reports after "
        "ANALYTICS_REPORT_RETENTION_DAYS, audit entries after "
        "ANALYTICS_AUDIT_RETENTION_DAYS (0 keeps a table forever). Rows go in small "
        "committed batches; running it again removes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be removed; remove nothing.",
        )
        parser.add_argument(
            "--table",
            action="append",
            choices=TABLES,
            dest="tables",
            help="Clean only this table (repeat for several; default: all).",
        )

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        if dry_run:
            self.stdout.write("Dry run: counting what would be removed, removing none.")
        try:
            summary = cleanup_old_data(
                method="CLI",
                path=COMMAND_NAME,
                dry_run=dry_run,
                tables=options["tables"],
                progress=lambda result: self._print_table(result, dry_run),
            )
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        verb = "would be removed" if dry_run else "removed"
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {summary.seconds:.2f}s: {rows(summary.removed)} {verb} "
                f"from {len(summary.tables)} table(s)."
            )
        )

    def _print_table(self, result: TableCleanup, dry_run: bool) -> None:
        if result.cutoff is None:
            self.stdout.write(f"  {result.table}: kept forever ({result.setting}=0)")
            return
        verb = "would be removed" if dry_run else "removed"
        cascaded = "".join(
            f", with {rows(count)} of {name}" for name, count in result.cascaded.items()
        )
        self.stdout.write(
            f"  {result.table}: {rows(result.removed)} from before "
            f"{local_day(result.cutoff)} ({result.retention_days} days) {verb}"
            f"{cascaded} [{result.seconds:.2f}s]"
        )
