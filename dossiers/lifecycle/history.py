"""Dossiers with their past, imported in bulk: the demo's year of dossiers, or dossiers taken
over from a former district's system. Rows are written as given (statuses, steps, revisions,
times), one statement per table, and each dossier's latest state is announced once
(``dossiers.hooks``: the sync queues it for the national portal).

This is the only way besides the actions (``engine.perform``) that a dossier's state or events
are written; it takes no rule's check, so only loaders call it, never a request.
"""

from __future__ import annotations

from collections.abc import Sequence

from dossiers import hooks
from dossiers.models import Dossier, DossierEvent


def history_import_dossiers(rows: Sequence[Dossier]) -> list[Dossier]:
    """Write the dossiers as they stand; returns them with their ids."""
    return Dossier.objects.bulk_create(rows, batch_size=500)


def history_import_events(events: Sequence[DossierEvent]) -> list[DossierEvent]:
    """Write the dossiers' past events (their revisions numbered by the caller)."""
    return DossierEvent.objects.bulk_create(events, batch_size=1000)


def history_announce(pairs: Sequence[tuple[Dossier, DossierEvent]]) -> None:
    """Announce each imported dossier at its latest event, in the caller's transaction."""
    hooks.changed_many(pairs)
