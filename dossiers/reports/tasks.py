"""Celery tasks of the reports: thin and safe to run twice (STYLE.md rule 8)."""

from celery import shared_task


@shared_task(name="dossiers.reports.tasks.refresh_rollups", ignore_result=True)
def refresh_rollups() -> int:
    """Bring the report rollups up to date with the events since the last run (beat: 30 s).

    A run still going when the next starts makes the next one return at once (advisory lock).
    """
    from dossiers.reports.rollups import refresh_changed

    return refresh_changed()
