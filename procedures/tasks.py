from celery import shared_task

from procedures.services import reassignment_apply, reassignment_reroute_due


@shared_task(name="procedures.tasks.apply_reassignment_batch", ignore_result=True)
def apply_reassignment_batch(batch_id: int) -> None:
    """Apply a large reassignment in the background (idempotent: applied batches are skipped)."""
    reassignment_apply(batch_id=batch_id)


@shared_task(name="procedures.tasks.reroute_due_reassignments", ignore_result=True)
def reroute_due_reassignments() -> int:
    """Re-route dossiers of reassignments whose future effective date has come."""
    return reassignment_reroute_due()
