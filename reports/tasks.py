"""Celery tasks of the reports: thin and safe to run twice (STYLE.md rule 8)."""

import threading
from contextlib import contextmanager

from celery import shared_task
from django.conf import settings
from django.db import transaction

# Embedded mode refreshes after every change, so it reads back only a few events behind the
# watermark (SQLite commits in id order; a PostgreSQL database in embedded mode may not, by a
# handful of concurrent requests at most).
EMBEDDED_EVENT_MARGIN = 50


@shared_task(name="reports.tasks.refresh_rollups", ignore_result=True)
def refresh_rollups() -> int:
    """Bring the report rollups up to date with the events since the last run (beat: 30 s).

    A run still going when the next starts makes the next one return at once (advisory lock).
    """
    from reports.rollups import refresh_changed

    return refresh_changed()


def refresh_rollups_now() -> int:
    """The embedded mode's refresh after a change: only the events since the watermark (and a
    few behind it); waits for a run in progress rather than skip, so the change is counted."""
    from reports.rollups import refresh_changed

    return refresh_changed(margin=EMBEDDED_EVENT_MARGIN, wait=True)


_quiet = threading.local()


@contextmanager
def not_following():
    """Changes made inside are not followed one by one: for a bulk load (``load_demo``) that
    rebuilds the rollups itself at its end."""
    before = getattr(_quiet, "on", False)
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = before


def follow_changes() -> None:
    """Embedded mode (no broker, so no beat): once the current transaction commits, bring the
    rollups up to date, so that reports count the change at once. Scheduled once per
    transaction however many dossiers it changed; never fails the request (``after_commit``).
    With a broker, beat refreshes every 30 s and this does nothing."""
    if not settings.EMBEDDED_TASKS or getattr(_quiet, "on", False):
        return
    from portal.dispatch import after_commit

    connection = transaction.get_connection()
    pending = getattr(connection, "_rollups_follow", None)
    if (
        connection.in_atomic_block
        and pending is not None
        and any(entry is pending for entry in connection.run_on_commit)
    ):
        return  # already scheduled in this transaction (not rolled back, not run yet)
    after_commit(_refresh_followed, connection)
    if connection.in_atomic_block:
        connection._rollups_follow = connection.run_on_commit[-1]


def _refresh_followed(connection) -> None:
    connection._rollups_follow = None  # the next change schedules a refresh again
    refresh_rollups_now()


def follow_dossier(dossier, event=None) -> None:
    """``dossiers.hooks`` handler: a dossier changed (or was rated); see :func:`follow_changes`."""
    follow_changes()


def follow_dossiers(pairs) -> None:
    """``dossiers.hooks`` handler for a set-based change of many dossiers."""
    follow_changes()
