"""The outbox relay: every committed change reaches the national portal, once, in order.

* ``kick(dossier_id)`` runs after a transition commits and hands that dossier to a worker.
* ``sweep()`` runs on Celery beat every few seconds: it leases the dossiers whose next entry is
  due (new, or a retry whose backoff elapsed, or one a killed worker or a lost broker message
  left behind) and hands them to workers. A lease lapses on its own, so nothing is stranded.
* ``process_dossier(dossier_id)`` sends that dossier's pending entries one at a time in
  revision order, under a PostgreSQL advisory lock (two workers never send the same dossier;
  the lock dies with a killed worker's connection). A failure stops the dossier's line: later
  revisions wait, so a later version is never overtaken by an earlier one. Retries are
  scheduled in the database with exponential backoff and jitter; a payload the portal calls
  invalid, or an entry that failed ``SYNC_MAX_ATTEMPTS`` times, is dead-lettered.
* A circuit breaker (in the shared cache) stops calling a portal that keeps failing and tries
  again after a pause.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Min, QuerySet
from django.utils import timezone

from sync import client, payload
from sync.models import OutboxEntry, SyncAttempt

logger = logging.getLogger("sync")
LOCK_NAMESPACE = 7_301  # pg_advisory_lock(namespace, dossier id)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SYNC_LEASE_SECONDS)


BREAKER_FAILURES = "sync:breaker:failures"
BREAKER_OPEN_UNTIL = "sync:breaker:open_until"


def kick(dossier_id: int) -> None:
    """After commit: send this dossier's new change now (the sweep is the safety net)."""
    if not settings.SYNC_ENABLED:
        return
    try:
        sync_dossier.delay(dossier_id)
    except Exception:  # the broker is down: the sweep will find the entry
        logger.warning("sync kick for dossier %s not queued", dossier_id, exc_info=True)


def sweep(*, limit: int = 2000) -> int:
    """Lease the dossiers whose next change (the head of their line) is due, and queue them;
    returns how many were queued. A dossier whose head is leased or dead is left alone."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        return _sweep_portable(now, limit)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH heads AS (
                SELECT DISTINCT ON (dossier_id)
                    id, dossier_id, state, next_attempt_at, leased_until
                FROM dossiers_outboxentry
                WHERE state <> 'sent'
                ORDER BY dossier_id, revision
            ), due AS (
                SELECT id FROM heads
                WHERE state = 'pending' AND next_attempt_at <= %s
                  AND (leased_until IS NULL OR leased_until < %s)
                LIMIT %s
            )
            UPDATE dossiers_outboxentry e SET leased_until = %s
            FROM due WHERE e.id = due.id
            RETURNING e.dossier_id
            """,
            [now, now, limit, now + _lease()],
        )
        dossier_ids = [row[0] for row in cursor.fetchall()]
    for dossier_id in dossier_ids:
        sync_dossier.delay(dossier_id)
    return len(dossier_ids)


def _sweep_portable(now, limit: int) -> int:
    """The sweep in embedded mode (SQLite): the same rule, in Python."""
    heads = {}
    for entry in (
        OutboxEntry.objects.exclude(state=OutboxEntry.State.SENT)
        .order_by("dossier_id", "revision")
        .only("id", "dossier_id", "state", "next_attempt_at", "leased_until")
    ):
        heads.setdefault(entry.dossier_id, entry)
    due = [
        e
        for e in heads.values()
        if e.state == OutboxEntry.State.PENDING
        and e.next_attempt_at <= now
        and (e.leased_until is None or e.leased_until < now)
    ][:limit]
    OutboxEntry.objects.filter(pk__in=[e.pk for e in due]).update(leased_until=now + _lease())
    for entry in due:
        sync_dossier.delay(entry.dossier_id)
    return len(due)


def _breaker_open() -> float:
    until = cache.get(BREAKER_OPEN_UNTIL) or 0
    return until if until > timezone.now().timestamp() else 0


def _breaker_record(ok: bool) -> None:
    if ok:
        cache.delete(BREAKER_FAILURES)
        return
    cache.add(BREAKER_FAILURES, 0, timeout=60)
    try:
        failures = cache.incr(BREAKER_FAILURES)
    except ValueError:
        failures = 1
    if failures >= settings.SYNC_BREAKER_THRESHOLD:
        until = timezone.now().timestamp() + settings.SYNC_BREAKER_SECONDS
        cache.set(BREAKER_OPEN_UNTIL, until, timeout=int(settings.SYNC_BREAKER_SECONDS) + 5)
        cache.delete(BREAKER_FAILURES)
        logger.warning("sync circuit open for %s s", settings.SYNC_BREAKER_SECONDS)


def backoff(attempts: int) -> dt.timedelta:
    """Exponential, capped, with full jitter (retries of many dossiers do not bunch up)."""
    ceiling = min(settings.SYNC_BACKOFF_CAP, settings.SYNC_BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))


# Embedded mode (SQLite, one process) locks dossiers in memory instead.
_local_locks: set[int] = set()
_local_guard = threading.Lock()


def _locked(dossier_id: int) -> bool:
    if connection.vendor != "postgresql":
        with _local_guard:
            if dossier_id in _local_locks:
                return False
            _local_locks.add(dossier_id)
            return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, dossier_id])
        return cursor.fetchone()[0]


def _unlock(dossier_id: int) -> None:
    if connection.vendor != "postgresql":
        with _local_guard:
            _local_locks.discard(dossier_id)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, dossier_id])


def process_dossier(dossier_id: int) -> int:
    """Send the dossier's due entries in order; returns how many were sent."""
    if not _locked(dossier_id):
        return 0  # another worker has this dossier: it sends the whole line
    try:
        return _send_line(dossier_id)
    finally:
        _unlock(dossier_id)


def _send_line(dossier_id: int) -> int:
    """Send the line: one query for its entries, one for the dossier and its lists, the calls,
    then the outcome written in two statements (attempts, and the entries sent)."""
    line = list(
        OutboxEntry.objects.filter(dossier_id=dossier_id)
        .exclude(state=OutboxEntry.State.SENT)
        .order_by("revision")
    )
    sent: list[int] = []
    attempts: list[SyncAttempt] = []
    lists = None
    try:
        for entry in line:
            if entry.state == OutboxEntry.State.DEAD:
                break  # the line waits for an administrator
            now = timezone.now()
            if entry.next_attempt_at > now:
                OutboxEntry.objects.filter(pk=entry.pk).update(leased_until=None)
                break
            paused_until = _breaker_open()
            if paused_until:
                OutboxEntry.objects.filter(pk=entry.pk).update(
                    next_attempt_at=dt.datetime.fromtimestamp(paused_until, tz=dt.UTC),
                    leased_until=None,
                )
                break
            if lists is None and entry.kind == OutboxEntry.Kind.UPSERT:
                lists = payload.dossier_lists(dossier_id)
            answer = _deliver(entry, lists)
            attempts.append(
                SyncAttempt(
                    entry=entry,
                    duration_ms=answer.duration_ms,
                    outcome=answer.outcome,
                    http_status=answer.http_status,
                    answer=(answer.error or str(answer.body))[:500],
                )
            )
            _breaker_record(answer.outcome != "retry")
            if answer.outcome == "ok":
                sent.append(entry.pk)
                continue
            tries = entry.attempts + 1
            dead = answer.outcome == "permanent" or tries >= settings.SYNC_MAX_ATTEMPTS
            OutboxEntry.objects.filter(pk=entry.pk).update(
                state=OutboxEntry.State.DEAD if dead else OutboxEntry.State.PENDING,
                attempts=tries,
                next_attempt_at=timezone.now() + backoff(tries),
                leased_until=None,
                last_error=answer.error[:2000],
            )
            if dead:
                logger.error("sync of %s dead-lettered: %s", entry, answer.error)
            break
    finally:
        # A worker killed before this point leaves its entries pending: they are sent again
        # under the same idempotency keys, and the portal applies each revision once.
        if sent:
            OutboxEntry.objects.filter(pk__in=sent).update(
                state=OutboxEntry.State.SENT,
                attempts=F("attempts") + 1,
                published_at=timezone.now(),
                leased_until=None,
                last_error="",
            )
        if attempts:
            SyncAttempt.objects.bulk_create(attempts)
    return len(sent)


def _deliver(entry: OutboxEntry, lists) -> client.Answer:
    if entry.kind == OutboxEntry.Kind.PROGRESS:
        return client.call(
            "api/CapNhatTienDoHoSoMC",
            payload.progress_body(entry),
            idempotency_key=entry.idempotency_key,
        )
    return client.call(
        "api/DongBoHoSoMC",
        payload.upsert_body(entry, lists),
        idempotency_key=entry.idempotency_key,
    )


# --- For administrators ---------------------------------------------------------------------------


@transaction.atomic
def retry_dead(*, entry_ids: list[int], scope: QuerySet[OutboxEntry]) -> int:
    """Put dead letters back in line (after the cause was fixed); sent at the next sweep.

    ``scope`` is the caller's share of the outbox (``sync.selectors.outbox_visible_to``
    for a person): an id outside it is left as it is. Returns how many went back in line."""
    return scope.filter(pk__in=entry_ids, state=OutboxEntry.State.DEAD).update(
        state=OutboxEntry.State.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        leased_until=None,
    )


def backlog(*, entries: QuerySet[OutboxEntry] | None = None) -> dict:
    """How much waits, and since when (for /health/: the whole outbox; for an administrator's
    page: ``entries``, their share of it)."""
    entries = OutboxEntry.objects.all() if entries is None else entries
    pending = entries.filter(state=OutboxEntry.State.PENDING)
    oldest = pending.aggregate(at=Min("created_at"))["at"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {
        "backlog": pending.count(),
        "oldest_age_seconds": round(age, 1),
        "dead_letters": entries.filter(state=OutboxEntry.State.DEAD).count(),
        "status": "degraded" if age > settings.SYNC_HEALTH_MAX_AGE else "ok",
    }


@shared_task(name="sync.tasks.sync_dossier", ignore_result=True, acks_late=True)
def sync_dossier(dossier_id: int) -> int:
    """Send one dossier's pending changes, in order (a ``sync`` queue worker)."""
    return process_dossier(dossier_id)
