"""The reports' models, moved here from ``dossiers``: state only, the tables stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


MOVED = ('rollupwatermark', 'indexweight', 'dossierrollup', 'periodrollup')


def _content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="dossiers", model__in=MOVED).update(app_label="reports")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('dossiers', '0016_sync_and_reports_moved_out'),
        ('procedures', '0004_fee_cases_collection_exemptions'),
        ('units', '0002_agency_kind_former_district_committee'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='RollupWatermark',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=40, unique=True)),
                    ('last_event_id', models.BigIntegerField(default=0)),
                    ('last_run_at', models.DateTimeField(null=True)),
                ],
                options={
                    'db_table': 'dossiers_rollupwatermark',
                },
            ),
            migrations.CreateModel(
                name='IndexWeight',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('group', models.CharField(max_length=30, verbose_name='group')),
                    ('indicator', models.CharField(max_length=40, verbose_name='indicator')),
                    ('points', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='points')),
                    ('full_at', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='full points from (%)')),
                    ('valid_from', models.DateField(verbose_name='valid from')),
                    ('valid_to', models.DateField(blank=True, null=True, verbose_name='valid to')),
                    ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                ],
                options={
                    'verbose_name': 'index weight',
                    'verbose_name_plural': 'index weights',
                    'db_table': 'dossiers_indexweight',
                    'ordering': ['group', 'indicator', 'valid_from'],
                    'constraints': [models.UniqueConstraint(fields=('indicator', 'valid_from'), name='index_weight_indicator_from'), models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_to__gt', models.F('valid_from')), _connector='OR'), name='index_weight_valid_range')],
                },
            ),
            migrations.CreateModel(
                name='DossierRollup',
                fields=[
                    ('dossier', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='dossiers.dossier')),
                    ('channel', models.PositiveSmallIntegerField()),
                    ('status', models.PositiveSmallIntegerField()),
                    ('received_at', models.DateTimeField(null=True)),
                    ('month', models.DateField(null=True)),
                    ('end_at', models.DateTimeField(null=True)),
                    ('deadline', models.DateTimeField(null=True)),
                    ('late_since', models.DateTimeField(null=True)),
                    ('klass', models.CharField(choices=[('not_received', 'not received'), ('early', 'early'), ('on_time', 'on time'), ('late', 'late'), ('in_progress', 'in progress, on time'), ('in_progress_late', 'in progress, overdue')], max_length=20)),
                    ('supplements', models.PositiveSmallIntegerField(default=0)),
                    ('eligible', models.BooleanField(default=False)),
                    ('full_process', models.BooleanField(default=False)),
                    ('docs_total', models.PositiveIntegerField(default=0)),
                    ('docs_digitised', models.PositiveIntegerField(default=0)),
                    ('docs_reused', models.PositiveIntegerField(default=0)),
                    ('store_used', models.BooleanField(default=False)),
                    ('with_result', models.BooleanField(default=False)),
                    ('result_electronic', models.BooleanField(default=False)),
                    ('vneid', models.BooleanField(default=False)),
                    ('rating', models.CharField(blank=True, max_length=20)),
                    ('with_fee', models.BooleanField(default=False)),
                    ('paid_online', models.BooleanField(default=False)),
                    ('synced', models.BooleanField(default=False)),
                    ('refreshed_at', models.DateTimeField(auto_now=True)),
                    ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.agency')),
                    ('field', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='procedures.field')),
                    ('procedure', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='procedures.procedure')),
                    ('province', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit')),
                    ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit')),
                ],
                options={
                    'db_table': 'dossiers_dossierrollup',
                    'indexes': [models.Index(fields=['province', 'received_at'], name='rollup_province_received'), models.Index(fields=['agency', 'received_at'], name='rollup_agency_received'), models.Index(fields=['province', 'end_at'], name='rollup_province_ended'), models.Index(fields=['agency', 'end_at'], name='rollup_agency_ended'), models.Index(condition=models.Q(('klass', 'in_progress')), fields=['deadline'], name='rollup_open_deadline')],
                },
            ),
            migrations.CreateModel(
                name='PeriodRollup',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('month', models.DateField()),
                    ('received', models.IntegerField(default=0)),
                    ('early', models.IntegerField(default=0)),
                    ('on_time', models.IntegerField(default=0)),
                    ('late', models.IntegerField(default=0)),
                    ('in_progress', models.IntegerField(default=0)),
                    ('in_progress_late', models.IntegerField(default=0)),
                    ('multi_supplement', models.IntegerField(default=0)),
                    ('online', models.IntegerField(default=0)),
                    ('eligible', models.IntegerField(default=0)),
                    ('full_process', models.IntegerField(default=0)),
                    ('docs_total', models.IntegerField(default=0)),
                    ('docs_digitised', models.IntegerField(default=0)),
                    ('docs_reused', models.IntegerField(default=0)),
                    ('store_used', models.IntegerField(default=0)),
                    ('with_result', models.IntegerField(default=0)),
                    ('result_electronic', models.IntegerField(default=0)),
                    ('vneid', models.IntegerField(default=0)),
                    ('rated', models.IntegerField(default=0)),
                    ('dissatisfied', models.IntegerField(default=0)),
                    ('with_fee', models.IntegerField(default=0)),
                    ('paid_online', models.IntegerField(default=0)),
                    ('synced', models.IntegerField(default=0)),
                    ('ended', models.IntegerField(default=0)),
                    ('ended_late', models.IntegerField(default=0)),
                    ('became_late', models.IntegerField(default=0)),
                    ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='units.agency')),
                    ('field', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='procedures.field')),
                    ('procedure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='procedures.procedure')),
                    ('province', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='units.unit')),
                    ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='units.unit')),
                ],
                options={
                    'db_table': 'dossiers_periodrollup',
                    'indexes': [models.Index(fields=['province', 'month'], name='period_rollup_province')],
                    'constraints': [models.UniqueConstraint(fields=('agency', 'procedure', 'month'), name='period_rollup_key')],
                },
            ),
            ],
        ),
        # The content types (and so the permissions) follow the models to their new app.
        migrations.RunPython(_content_types_follow, migrations.RunPython.noop),
    ]
