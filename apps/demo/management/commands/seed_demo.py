"""Seed the database with a deterministic demo organisation and its history."""

import argparse
import time
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.demo import generator


class Command(BaseCommand):
    help = (
        "Create demo teams, users (password 'demo') and --days of meetings, "
        "debriefings, CRM and analytics history. Does nothing when the database "
        "already has data, unless --reset is given. Refuses to run when "
        "DJANGO_ENV=production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="RNG seed (42).")
        parser.add_argument(
            "--days", type=int, default=90, help="Days of history, ending now (90)."
        )
        parser.add_argument(
            "--users", type=int, default=20, help="Total number of users (20)."
        )
        parser.add_argument(
            "--password",
            default=generator.DEMO_PASSWORD,
            help="Password of every demo user ('demo').",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo users, their data and all analytics rows first.",
        )
        # Pins the end of history, so tests and reruns give the same data.
        parser.add_argument("--end", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        # Demo logins with a published password (and --reset's deletions) have no
        # place in a real deployment, whatever the options say.
        if settings.DJANGO_ENV == "production":
            raise CommandError(
                "seed_demo does not run when DJANGO_ENV=production: it would create "
                "the demo logins with a well-known password."
            )
        started = time.monotonic()
        now = _parse_end(options["end"]) if options["end"] else timezone.now()
        try:
            result = generator.seed_demo(
                now=now,
                seed=options["seed"],
                days=options["days"],
                users=options["users"],
                password=options["password"],
                reset=options["reset"],
                progress=lambda phase, count: self.stdout.write(f"{phase}: {count:,}"),
            )
        except generator.DemoDataExists as exc:
            self.stdout.write(
                f"The database already has data ({exc}); nothing changed. "
                "Run with --reset to replace the demo data."
            )
            return
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        self._summary(result, options, time.monotonic() - started)

    def _summary(self, result, options, elapsed: float) -> None:
        """Print the row counts, the logins and the incidents."""
        timeline = result.timeline
        end = timeline.now.astimezone(timeline.tz)
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"Seeded {sum(result.counts.values()):,} rows in {elapsed:.1f} s "
                f"(seed {options['seed']}, {len(timeline.dates)} days ending "
                f"{end:%Y-%m-%d %H:%M} {timeline.tz.key})."
            )
        )
        width = max(len(label) for label in result.counts)
        for label, count in result.counts.items():
            write(f"  {label:<{width}}  {count:>9,}")
        password = options["password"]
        # Echo the well-known default only; a chosen password stays off the screen.
        shown = repr(password) if password == generator.DEMO_PASSWORD else "as given"
        write(f"Logins (password {shown}):")
        for user in result.logins:
            team = user.team.name if user.team else "no team"
            extra = ", superuser (/admin/)" if user.is_superuser else ""
            write(f"  {user.username:<8} {user.role}, {team}{extra}")
        write("Incidents:")
        for line in result.incidents.describe(timeline.tz):
            write(f"  - {line}")


def _parse_end(value: str) -> datetime:
    """Parse --end as an ISO datetime; a naive one is in settings.TIME_ZONE."""
    try:
        end = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--end must be an ISO datetime: {value!r}") from exc
    return timezone.make_aware(end) if timezone.is_naive(end) else end
