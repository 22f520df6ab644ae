"""Write everything stored about a user as a JSON archive (GDPR access)."""

from django.core.management.base import CommandError

from apps.analytics.management.options import existing_user
from apps.analytics.services.privacy import Origin, stream_user_data
from apps.core.commands import OneLineErrorsCommand


class Command(OneLineErrorsCommand):
    help = (
        "Write everything stored about a user (profile, events, metrics, reports, "
        "deliveries, audit entries, source data counts) as one JSON archive, to "
        "--output or to standard output. Audited as privacy_export."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user-id", type=existing_user, required=True)
        parser.add_argument(
            "--output", help="The file to write (default: standard output)."
        )

    def handle(self, *args, **options):
        user, path = options["user_id"], options["output"]
        origin = Origin.command("export_user_data")
        if path is None:
            for piece in stream_user_data(user, actor=None, origin=origin):
                self.stdout.write(piece, ending="")
            return
        try:
            with open(path, "w", encoding="utf-8") as target:
                pieces = stream_user_data(user, actor=None, origin=origin)
                size = sum(target.write(piece) for piece in pieces)
        except OSError as exc:
            raise CommandError(
                f"--output: cannot write {path}: {exc.strerror}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote the data of user {user.pk} ({user.username}) to {path} "
                f"({size} characters)."
            )
        )
