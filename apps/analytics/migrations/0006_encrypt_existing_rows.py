"""Encrypt the engagement metadata and report recipients already stored.

Batches by primary key (flat memory), one UPDATE per batch and row set; each
delivery gets its recipient's keyed hash in the same statement. Reversible: going
back decrypts every row with the configured keys.
"""

import json

from django.db import migrations, models
from django.db.models import Case, ExpressionWrapper, F, Value, When

from apps.core.encryption import blind_index, decrypt_text, encrypt_text

BATCH = 1000


def _batches(model, column):
    """Yield lists of (pk, column text as stored), BATCH at a time, by pk."""
    raw = ExpressionWrapper(F(column), output_field=models.TextField())
    rows = model.objects.order_by("pk").annotate(raw=raw)
    last_pk = None
    while True:
        page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
        batch = list(page.values_list("pk", "raw")[:BATCH])
        if not batch:
            return
        yield batch
        last_pk = batch[-1][0]


def _write(model, columns: dict):
    """Store {column: {pk: text}} as is, in one UPDATE (each row changes once)."""
    pks = set().union(*columns.values())
    if not pks:
        return
    model.objects.filter(pk__in=pks).update(
        **{
            column: Case(
                *[When(pk=pk, then=Value(text)) for pk, text in values.items()],
                output_field=models.TextField(),
            )
            for column, values in columns.items()
        }
    )


def encrypt_existing(apps, schema_editor):
    Event = apps.get_model("analytics", "UserEngagementMetric")
    for batch in _batches(Event, "metadata"):
        # Re-serialised: one JSON spelling, whatever the database printed.
        tokens = {
            pk: encrypt_text(json.dumps(json.loads(text)))
            for pk, text in batch
            if text is not None
        }
        _write(Event, {"metadata": tokens})
    Delivery = apps.get_model("analytics", "ReportDelivery")
    for batch in _batches(Delivery, "recipient"):
        _write(
            Delivery,
            {
                "recipient": {pk: encrypt_text(text) for pk, text in batch},
                "recipient_hash": {pk: blind_index(text) for pk, text in batch},
            },
        )


def decrypt_existing(apps, schema_editor):
    for model_name, column in (
        ("UserEngagementMetric", "metadata"),
        ("ReportDelivery", "recipient"),
    ):
        model = apps.get_model("analytics", model_name)
        what = f"analytics.{model_name}.{column}"
        for batch in _batches(model, column):
            plain = {
                pk: decrypt_text(token, what=what)
                for pk, token in batch
                if token is not None
            }
            _write(model, {column: plain})


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0005_encrypt_sensitive_columns'),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
