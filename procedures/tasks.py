from celery import shared_task

from procedures.services import reassignment_reroute_due

# Its body lives with the reassignment that queues it; imported here so workers register it.
from procedures.services.reassignment import apply_reassignment_batch  # noqa: F401


@shared_task(name="procedures.tasks.reroute_due_reassignments", ignore_result=True)
def reroute_due_reassignments() -> int:
    """Re-route dossiers of reassignments whose future effective date has come."""
    return reassignment_reroute_due()
