"""Celery tasks of the sync with the national portal (routed to the ``sync`` queue, which
runs a threads pool: the work is waiting on HTTP)."""

from celery import shared_task

from sync import reconcile as reconciliation
from sync import relay

# The task that sends one dossier lives with the relay that queues it (one module, no cycle);
# imported here so that the worker registers it with the others.
from sync.relay import sync_dossier  # noqa: F401


@shared_task(name="sync.tasks.sweep", ignore_result=True)
def sweep() -> int:
    """Hand every dossier with a due change to a worker (beat, every few seconds)."""
    return relay.sweep()


@shared_task(name="sync.tasks.reconcile", ignore_result=True)
def reconcile() -> dict:
    """Compare recently synced dossiers with what the portal holds; re-send differences."""
    return reconciliation.reconcile().report


@shared_task(name="sync.tasks.dead_letter_digest", ignore_result=True)
def dead_letter_digest() -> int:
    """Tell administrators every morning what the portal refused or never took."""
    return reconciliation.dead_letter_digest()
