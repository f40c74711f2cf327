"""Writing the outbox: every announced change of a dossier becomes a row, in its transaction.

Registered with ``dossiers.hooks`` by ``SyncConfig.ready()``; once the change commits, a worker
sends the row (``sync.relay``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from dossiers.models import Dossier, DossierEvent
from portal.dispatch import after_commit
from sync import payload, relay
from sync.models import OutboxEntry


def record_change(dossier: Dossier, event: DossierEvent | None) -> OutboxEntry:
    """Queue the dossier's new revision for the national portal, in the caller's transaction."""
    entry = OutboxEntry.objects.create(
        dossier=dossier,
        revision=dossier.revision,
        event=event,
        kind=payload.kind_of(event),
        payload=payload.snapshot(dossier, event),
    )
    if settings.SYNC_ENABLED:
        after_commit(relay.kick, dossier.pk)
    return entry


def record_changes(pairs: Sequence[tuple[Dossier, DossierEvent]]) -> list[OutboxEntry]:
    """The same for many dossiers at once (a bulk import of history, ``changed_many``): their
    rows in bulk, left to the relay's sweep (beat, every few seconds). No sweep is run at the
    commit: in embedded mode it would send thousands of imported dossiers inside the loading
    command, before the server (and its stand-in portal) even runs."""
    entries = OutboxEntry.objects.bulk_create(
        [
            OutboxEntry(
                dossier_id=dossier.pk,
                revision=event.revision,
                event=event,
                kind=payload.kind_of(event),
                payload=payload.snapshot(dossier, event),
            )
            for dossier, event in pairs
        ],
        batch_size=2000,
    )
    return entries
