"""The delivery ledger's unique key uses the recipient's keyed hash: the encrypted
recipient differs at every write, so it cannot be compared."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0006_encrypt_existing_rows'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='reportdelivery',
            constraint=models.UniqueConstraint(fields=('report_type', 'period_start', 'period_end', 'scope_key', 'recipient_hash'), name='uniq_report_delivery_scope'),
        ),
    ]
