"""Erase a user (GDPR erasure): their names replaced by their pseudonym."""

from django.core.management.base import CommandError

from apps.analytics.management.options import existing_user
from apps.analytics.services.privacy import Origin, erase_user
from apps.core.commands import OneLineErrorsCommand


class Command(OneLineErrorsCommand):
    help = (
        "Erase a user: the account keeps its id and figures but is renamed to its "
        "pseudonym and disabled; names, email and personal metadata leave "
        "engagement rows, reports and the delivery ledger; tokens and sessions end. "
        "Irreversible, so it needs --yes. Running it again changes nothing. "
        "Audited as privacy_erase."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user-id", type=existing_user, required=True)
        parser.add_argument(
            "--yes", action="store_true", help="Confirm: erasing cannot be undone."
        )

    def handle(self, *args, **options):
        user = options["user_id"]
        if not options["yes"]:
            raise CommandError(
                f"Erasing user {user.pk} ({user.username}) cannot be undone: "
                "add --yes to go ahead."
            )
        result = erase_user(user, actor=None, origin=Origin.command("erase_user_data"))
        changes = ", ".join(f"{name} {n}" for name, n in result["changed"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased user {result['user_id']} as {result['pseudonym']}. "
                f"Rows changed: {changes}."
            )
        )
