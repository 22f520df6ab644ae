"""Indexes justified by a query each; monthly partitions of the event tables.

The index changes apply everywhere. On PostgreSQL the engagement events and health
readings then become range-partitioned by month (apps.analytics.services.partitions);
on SQLite that step is a no-op and the tables stay as they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.analytics.services import partitions

MODELS = ("userengagementmetric", "systemhealthmetric")


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        partitions.partition_table(schema_editor, apps.get_model("analytics", name))
    partitions.add_event_id_claims(schema_editor)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    partitions.drop_event_id_claims(schema_editor)
    for name in MODELS:
        partitions.unpartition_table(schema_editor, apps.get_model("analytics", name))


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0011_anomalies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='systemhealthmetric',
            name='analytics_s_compone_dcea8e_idx',
        ),
        migrations.RemoveIndex(
            model_name='systemhealthmetric',
            name='analytics_s_health__2638cd_idx',
        ),
        migrations.RemoveIndex(
            model_name='systemhealthmetric',
            name='analytics_s_status_ab20d7_idx',
        ),
        migrations.RemoveIndex(
            model_name='userengagementmetric',
            name='analytics_u_engagem_f3fe47_idx',
        ),
        migrations.AlterField(
            model_name='systemhealthmetric',
            name='timestamp',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='userengagementmetric',
            name='session_id',
            field=models.CharField(max_length=128),
        ),
        migrations.AlterField(
            model_name='userengagementmetric',
            name='timestamp',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='userengagementmetric',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='engagement_events', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='systemhealthmetric',
            index=models.Index(fields=['timestamp'], name='health_timestamp_idx'),
        ),
        migrations.AddIndex(
            model_name='systemhealthmetric',
            index=models.Index(fields=['component', 'health_type', 'timestamp'], name='health_check_time_idx'),
        ),
        migrations.AddIndex(
            model_name='systemhealthmetric',
            index=models.Index(condition=models.Q(('status', 'healthy'), _negated=True), fields=['timestamp'], name='health_unhealthy_time_idx'),
        ),
        migrations.AddIndex(
            model_name='userengagementmetric',
            index=models.Index(fields=['timestamp'], name='engagement_timestamp_idx'),
        ),
        migrations.AddIndex(
            model_name='userengagementmetric',
            index=models.Index(fields=['session_id'], name='engagement_session_idx'),
        ),
        migrations.RunPython(partition, unpartition),
    ]
