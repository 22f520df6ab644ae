"""Collect and aggregate analytics data into PerformanceMetric rows."""

import datetime as dt

from django.utils import timezone

from apps.analytics.management.options import day_count, past_date
from apps.analytics.models import AggregationPeriod
from apps.analytics.periods import (
    last_complete_period,
    periods_between,
    periods_on_day,
    shift_local_days,
)
from apps.analytics.services.collection import collect_metrics
from apps.analytics.services.health import collect_system_health
from apps.core.commands import OneLineErrorsCommand

MAX_DAYS_BACK = 3660  # Ten years: beyond that it is a typo, not a backfill.


# --days-back: a whole number of days from 1 to MAX_DAYS_BACK.
parse_days_back = day_count(MAX_DAYS_BACK)


def select_periods(kind: str, date, days_back: int | None, now: dt.datetime) -> list:
    """Return the periods to collect for the options given."""
    if isinstance(date, dt.datetime):
        end = date
    elif isinstance(date, dt.date):
        end = periods_on_day(AggregationPeriod.DAILY, date)[0].end - dt.timedelta(
            microseconds=1
        )
    else:
        end = None
    if days_back is not None:
        end = end or now
        return periods_between(kind, shift_local_days(end, -days_back), end)
    if isinstance(date, dt.datetime):
        return periods_between(kind, date, date)
    if isinstance(date, dt.date):
        return periods_on_day(kind, date)
    return [last_complete_period(kind, now)]


class Command(OneLineErrorsCommand):
    help = (
        "Collect and aggregate analytics data: compute every metric for each period "
        "of a kind, for every user and the organisation. Without --date or "
        "--days-back it collects the most recent complete period."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            choices=AggregationPeriod.values,
            default=AggregationPeriod.DAILY,
            help="The kind of period to collect (default: daily).",
        )
        parser.add_argument(
            "--date",
            type=past_date,
            help="Collect the period(s) containing this date (YYYY-MM-DD or ISO).",
        )
        parser.add_argument(
            "--days-back",
            type=parse_days_back,
            metavar="N",
            help=f"Collect every period of the kind covering the last N days "
            f"(1 to {MAX_DAYS_BACK}).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Recompute periods already collected (default: skip them).",
        )
        parser.add_argument(
            "--system-health",
            action="store_true",
            help="Also take a system health reading (database and cache round trips).",
        )

    def handle(self, *args, **options):
        kind = options["period"]
        now = timezone.now()
        periods = select_periods(kind, options["date"], options["days_back"], now)
        self.stdout.write(
            f"Collecting {kind} metrics for {len(periods)} period(s): "
            f"{periods[0].label} to {periods[-1].label}"
            + (" (forced recompute)" if options["force"] else "")
        )
        summary = collect_metrics(
            kind=kind,
            periods=periods,
            force=options["force"],
            now=now,
            progress=self._progress_printer(len(periods), options["verbosity"]),
        )
        skipped = len(summary.periods_skipped)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {summary.seconds:.2f}s: "
                f"{len(summary.periods_computed)} period(s) computed, {skipped} skipped"
                + (" (already collected; --force recomputes them)" if skipped else "")
                + f", {summary.rows_written} metric rows written, "
                f"{summary.quality_rows_written} data quality rows written, "
                f"{summary.rows_removed} stale rows removed."
            )
        )
        if options["system_health"]:
            for reading in collect_system_health():
                value = (
                    "unreachable"
                    if reading.value is None
                    else f"{reading.value:.2f} {reading.unit}"
                )
                self.stdout.write(
                    f"System health: {reading.component} {reading.health_type} "
                    f"{value} [{reading.status}]"
                )

    def _progress_printer(self, total: int, verbosity: int):
        """Print every period at -v 2; about every tenth of a long run at -v 1."""
        step = max(1, total // 10)
        seen = 0

        def progress(period, outcome):
            nonlocal seen
            seen += 1
            if verbosity >= 2 or (verbosity == 1 and total > 10 and seen % step == 0):
                self.stdout.write(f"  [{seen}/{total}] {period.label}: {outcome}")

        return progress
