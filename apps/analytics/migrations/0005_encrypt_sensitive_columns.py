"""Encrypt engagement metadata and report recipients at rest: the schema.

The columns become text that will hold Fernet tokens (0006 encrypts the rows
already stored, 0007 makes the delivery ledger unique by the recipient's keyed
hash). Three migrations, so that no transaction on PostgreSQL alters a table after
updating its rows (pending foreign key checks forbid it).
"""

import django.core.validators
from django.db import migrations, models

import apps.core.encryption


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0004_delivery_scope_key'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='reportdelivery',
            name='uniq_report_delivery_scope',
        ),
        migrations.AddField(
            model_name='reportdelivery',
            name='recipient_hash',
            field=apps.core.encryption.BlindIndexField(default='', source='recipient'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='reportdelivery',
            name='recipient',
            field=apps.core.encryption.EncryptedTextField(validators=[django.core.validators.EmailValidator()]),
        ),
        migrations.AlterField(
            model_name='userengagementmetric',
            name='metadata',
            field=apps.core.encryption.EncryptedJSONField(blank=True, default=dict),
        ),
    ]
