"""Celery tasks of the sync with the national portal (routed to the ``sync`` queue, which
runs a threads pool: the work is waiting on HTTP)."""

from celery import shared_task


@shared_task(name="dossiers.sync.tasks.sync_dossier", ignore_result=True, acks_late=True)
def sync_dossier(dossier_id: int) -> int:
    """Send one dossier's pending changes, in order."""
    from dossiers.sync.relay import process_dossier

    return process_dossier(dossier_id)


@shared_task(name="dossiers.sync.tasks.sweep", ignore_result=True)
def sweep() -> int:
    """Hand every dossier with a due change to a worker (beat, every few seconds)."""
    from dossiers.sync.relay import sweep as run

    return run()


@shared_task(name="dossiers.sync.tasks.reconcile", ignore_result=True)
def reconcile() -> dict:
    """Compare recently synced dossiers with what the portal holds; re-send differences."""
    from dossiers.sync.reconcile import reconcile as run

    return run().report


@shared_task(name="dossiers.sync.tasks.dead_letter_digest", ignore_result=True)
def dead_letter_digest() -> int:
    """Tell administrators every morning what the portal refused or never took."""
    from dossiers.sync.reconcile import dead_letter_digest as run

    return run()
