"""Scan the stored series for anomalies by hand (the hourly task does it on its own)."""

import datetime as dt

from django.utils import timezone

from apps.analytics.limits import MAX_ANOMALY_SCAN_DAYS
from apps.analytics.management.options import day_count
from apps.analytics.services.insights import scan_anomalies
from apps.core.commands import OneLineErrorsCommand

# --days: a whole number of days from 1 to MAX_ANOMALY_SCAN_DAYS.
parse_days = day_count(MAX_ANOMALY_SCAN_DAYS)


class Command(OneLineErrorsCommand):
    help = (
        "Scan every stored series (metric rollups, health readings, engagement "
        "volume) for anomalies of the last N days and record them. Running it "
        "again adds nothing already recorded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=parse_days,
            metavar="N",
            help="Record the anomalies of the last N days (1 to "
            f"{MAX_ANOMALY_SCAN_DAYS}; default: ANALYTICS_ANOMALY_SCAN_DAYS).",
        )

    def handle(self, *args, **options):
        now = timezone.now()
        since = now - dt.timedelta(days=options["days"]) if options["days"] else None

        def progress(family, series, found):
            if options["verbosity"] >= 1:
                self.stdout.write(
                    f"  {family}: {series} series, {found} anomalies found"
                )

        self.stdout.write("Scanning stored series for anomalies")
        summary = scan_anomalies(since=since, now=now, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {summary.seconds:.2f}s: {summary.series} series, "
                f"{summary.points} points, {summary.found} anomalies found since "
                f"{summary.since[:16]}, {summary.recorded} new recorded "
                f"({summary.found - summary.recorded} already known)."
            )
        )
