"""Re-encrypt every encrypted column under the first of ANALYTICS_ENCRYPTION_KEYS."""

import argparse

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError

from apps.core.commands import OneLineErrorsCommand
from apps.core.encryption import DecryptionError, encrypted_fields, rotate_model

MAX_BATCH_SIZE = 100_000


def batch_size(raw: str) -> int:
    """Read --batch-size: rows per transaction, 1 to MAX_BATCH_SIZE."""
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_BATCH_SIZE:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 1 to {MAX_BATCH_SIZE}, not {raw!r}."
        )
    return int(raw)


class Command(OneLineErrorsCommand):
    help = (
        "Re-encrypt every encrypted value under the first key of "
        "ANALYTICS_ENCRYPTION_KEYS and recompute the keyed hashes (after a new "
        "ANALYTICS_HASH_KEY). Rotation: put the new key first, keep the old ones "
        "after it, run this, then remove the old keys. Values already under the "
        "first key are left as they are, so running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=batch_size,
            default=1000,
            help="Rows read, locked and written per transaction (default 1000).",
        )

    def handle(self, *args, **options):
        models = [m for m in apps.get_models() if encrypted_fields(m)]
        keys = len(settings.ANALYTICS_ENCRYPTION_KEYS)
        self.stdout.write(
            f"Re-encrypting under the first of {keys} key(s), "
            f"{options['batch_size']} rows per batch."
        )
        totals = {"rows": 0, "reencrypted": 0, "rehashed": 0}
        for model in models:
            label = self._label(model)
            total = model._base_manager.count()

            shown = [0]  # tenths of the table reported so far

            def progress(done, label=label, total=total, shown=shown):
                # At most one line per tenth of the table: a million rows print
                # ten lines, not a thousand.
                tenths = done.rows * 10 // max(total, 1)
                if tenths > shown[0] or done.rows >= total:
                    shown[0] = tenths
                    self.stdout.write(f"  {label}: {done.rows}/{total} rows")

            try:
                result = rotate_model(
                    model, batch_size=options["batch_size"], progress=progress
                )
            except DecryptionError as exc:
                raise CommandError(
                    f"{exc} Batches before it are saved: fix the keys and run "
                    "again to continue."
                ) from None
            self.stdout.write(
                f"{label}: {result.rows} rows, {result.reencrypted} re-encrypted, "
                f"{result.rehashed} hashes recomputed."
            )
            for name in totals:
                totals[name] += getattr(result, name)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {totals['rows']} rows checked, {totals['reencrypted']} "
                f"re-encrypted, {totals['rehashed']} hashes recomputed. Every value "
                "opens with the first key; the keys after it may be removed."
            )
        )

    @staticmethod
    def _label(model) -> str:
        names = ", ".join(field.name for field in encrypted_fields(model))
        return f"{model._meta.label} ({names})"
