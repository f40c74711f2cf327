"""Full-text index on the folded name (PostgreSQL): search first narrows by the query's words."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS procedure_search_fts ON procedures_procedure "
    "USING gin (to_tsvector('simple', search_text))"
)
DROP = "DROP INDEX IF EXISTS procedure_search_fts"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_trigram_search_index")]

    operations = [migrations.RunPython(forwards, backwards)]
