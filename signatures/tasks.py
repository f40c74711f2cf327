"""Celery tasks of signatures."""

from celery import shared_task

from signatures.models import ReissueBatch


@shared_task(name="signatures.tasks.apply_reissue", ignore_result=True)
def apply_reissue(batch_id: int) -> None:
    """Apply a position list in the background; a failure is recorded on the batch."""
    from signatures.reissue import reissue_apply

    batch = ReissueBatch.objects.select_related("agency").get(pk=batch_id)
    if batch.status not in (ReissueBatch.Status.PENDING, ReissueBatch.Status.RUNNING):
        return
    try:
        reissue_apply(batch)
    except Exception as exc:
        ReissueBatch.objects.filter(pk=batch_id).update(
            status=ReissueBatch.Status.FAILED, error=str(exc)[:2000]
        )
        raise
