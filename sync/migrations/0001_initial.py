"""The sync's models, moved here from ``dossiers``: state only, the tables stay as they are."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


MOVED = ('reconciliationrun', 'outboxentry', 'syncattempt')


def _content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="dossiers", model__in=MOVED).update(app_label="sync")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('dossiers', '0016_sync_and_reports_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='ReconciliationRun',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('started_at', models.DateTimeField(auto_now_add=True)),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                    ('checked', models.PositiveIntegerField(default=0)),
                    ('differences', models.PositiveIntegerField(default=0)),
                    ('resent', models.PositiveIntegerField(default=0)),
                    ('report', models.JSONField(default=dict)),
                ],
                options={
                    'db_table': 'dossiers_reconciliationrun',
                    'ordering': ['-started_at'],
                },
            ),
            migrations.CreateModel(
                name='OutboxEntry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('revision', models.PositiveIntegerField()),
                    ('kind', models.CharField(choices=[('upsert', 'dossier (DongBoHoSoMC)'), ('progress', 'progress step (CapNhatTienDoHoSoMC)')], default='upsert', max_length=10)),
                    ('payload', models.JSONField(default=dict)),
                    ('state', models.CharField(choices=[('pending', 'waiting to be sent'), ('sent', 'sent'), ('dead', 'dead letter')], default='pending', max_length=10)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('leased_until', models.DateTimeField(blank=True, null=True)),
                    ('resends', models.PositiveSmallIntegerField(default=0)),
                    ('last_error', models.TextField(blank=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                    ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='outbox', to='dossiers.dossier')),
                    ('event', models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='outbox', to='dossiers.dossierevent')),
                ],
                options={
                    'verbose_name': 'sync outbox entry',
                    'verbose_name_plural': 'sync outbox entries',
                    'db_table': 'dossiers_outboxentry',
                    'ordering': ['id'],
                },
            ),
            migrations.CreateModel(
                name='SyncAttempt',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('at', models.DateTimeField(auto_now_add=True)),
                    ('duration_ms', models.PositiveIntegerField(default=0)),
                    ('outcome', models.CharField(max_length=20)),
                    ('http_status', models.PositiveSmallIntegerField(null=True)),
                    ('answer', models.TextField(blank=True)),
                    ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempts_made', to='sync.outboxentry')),
                ],
                options={
                    'db_table': 'dossiers_syncattempt',
                    'ordering': ['at', 'id'],
                },
            ),
            migrations.AddIndex(
                model_name='outboxentry',
                index=models.Index(condition=models.Q(('state', 'sent'), _negated=True), fields=['dossier', 'revision'], name='outbox_unsent'),
            ),
            migrations.AddConstraint(
                model_name='outboxentry',
                constraint=models.UniqueConstraint(fields=('dossier', 'revision'), name='outbox_dossier_revision'),
            ),
            migrations.AddIndex(
                model_name='syncattempt',
                index=models.Index(fields=['entry', 'at'], name='sync_attempt_entry'),
            ),
            ],
        ),
        # The content types (and so the permissions) follow the models to their new app.
        migrations.RunPython(_content_types_follow, migrations.RunPython.noop),
    ]
