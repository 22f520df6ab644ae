"""Issue an API token for a user from the command line (scripts, CI, benchmarks)."""

from django.core.management.base import CommandError

from apps.accounts.models import User
from apps.accounts.tokens import issue_token
from apps.core.commands import OneLineErrorsCommand


class Command(OneLineErrorsCommand):
    help = (
        "Issue a new API token for USERNAME and print its key (shown only now; "
        "only its hash is stored). It expires after API_TOKEN_TTL_HOURS."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="a label shown in the admin")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        _, key = issue_token(user=user, name=name[:100])
        # The key alone on stdout, so scripts can capture it.
        self.stdout.write(key)
