"""What management commands share: a bad option reported in one line."""

import sys

from django.core.management.base import BaseCommand, CommandError


class OneLineErrorsCommand(BaseCommand):
    """A command whose bad options read like its other errors: one line, exit 1.

    Options are checked by argparse (`choices=`, `type=`). From call_command Django
    already raises those errors as CommandError; from the shell it would print the
    whole usage block and exit 2. Here the shell gets what run_from_argv prints for
    any other CommandError: `CommandError: argument --period: invalid choice: ...`.
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if parser.called_from_command_line:
            parser.error = self._option_error
        return parser

    def _option_error(self, message: str):
        error = CommandError(message)
        self.stderr.write(f"{type(error).__name__}: {error}")
        sys.exit(error.returncode)
