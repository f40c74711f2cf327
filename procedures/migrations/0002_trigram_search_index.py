"""Trigram search on PostgreSQL (pg_trgm + a GIN index on the folded name).

SQLite (embedded mode) has neither: its search ranks in Python, so this migration does nothing
there.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS procedure_search_trgm ON procedures_procedure "
    "USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS procedure_search_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_catalogue_versions_assignments_batches")]

    operations = [migrations.RunPython(forwards, backwards)]
