"""Indexes for ``reports.rollups.refresh_changed`` at national scale (PostgreSQL only).

Every 30 s it asks which ratings, sent outbox entries and dossier documents appeared since its
last run (``rollups.change_queries``); without an index on those times each question is a
full scan of a table that grows with every dossier. (Events are found by id, and open dossiers
whose deadline passed by the partial index ``rollup_open_deadline`` of 0010.) Built
CONCURRENTLY, so a live portal keeps writing while they build; the models do not declare them
(``DossierRating``, ``OutboxEntry`` and ``DossierDocument`` belong to other modules' Meta), like
the trigram index of 0011.
"""

from django.db import migrations

INDEXES = (
    ("rating_created", "dossiers_dossierrating", "(created_at)", ""),
    ("outbox_published", "dossiers_outboxentry", "(published_at)", "WHERE published_at IS NOT NULL"),
    (
        "document_dossier_uploaded",
        "dossiers_dossierdocument",
        "(uploaded_at)",
        "WHERE dossier_id IS NOT NULL",
    ),
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, columns, where in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {columns} {where}"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _columns, _where in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("dossiers", "0011_queue_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
