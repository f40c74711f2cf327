"""Queue indexes on the processing agency (COALESCE(holder_agency, agency)) and a trigram index
for the applicant-name search (PostgreSQL only; SQLite has no trigrams and does nothing)."""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


TRIGRAM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS dossier_open_name_trgm ON dossiers_dossier "
    "USING gin ((UPPER(applicant_name::text)) gin_trgm_ops) "
    "WHERE status IN (1, 2, 4, 5, 6, 9)",
]


def trigram_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in TRIGRAM:
            schema_editor.execute(sql)


def trigram_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dossier_open_name_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0010_reports'),
        ('procedures', '0003_full_text_search_index'),
        ('units', '0002_agency_kind_former_district_committee'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='dossier',
            name='dossier_open_queue',
        ),
        migrations.RemoveIndex(
            model_name='dossier',
            name='dossier_handed_queue',
        ),
        migrations.RemoveIndex(
            model_name='dossier',
            name='dossier_assignee_queue',
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(django.db.models.functions.comparison.Coalesce('holder_agency', 'agency'), models.F('appointment_at'), models.F('id'), condition=models.Q(('status__in', [2, 4, 6])), name='dossier_in_hand_queue'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(django.db.models.functions.comparison.Coalesce('holder_agency', 'agency'), models.F('appointment_at'), models.F('id'), condition=models.Q(('status', 5)), name='dossier_supplement_queue'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(django.db.models.functions.comparison.Coalesce('holder_agency', 'agency'), models.F('step'), models.F('appointment_at'), models.F('id'), condition=models.Q(('status', 4)), name='dossier_step_queue'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(django.db.models.functions.comparison.Coalesce('holder_agency', 'agency'), models.F('appointment_at'), models.F('id'), condition=models.Q(('assignee__isnull', True), ('status', 4)), name='dossier_to_take_queue'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('assignee__isnull', True), ('status', 2)), fields=['reception_agency', 'appointment_at', 'id'], name='dossier_received_to_take'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('status__in', [1, 2, 4, 5, 6, 9])), fields=['assignee', 'appointment_at', 'id'], name='dossier_assignee_queue'),
        ),
        migrations.RunPython(trigram_forwards, trigram_backwards),
    ]
