"""Keeping the report rollups current, incrementally, from dossier events.

``refresh_dossiers(ids)`` recomputes the ``DossierRollup`` rows of those dossiers from their
current state, events, supplement requests, documents, rating and outbox, and applies the
*difference* between each dossier's old and new contributions to ``PeriodRollup``: a dossier
re-routed to another agency leaves the old agency's row and enters the new one's (counted
once), and a late event (inserted with an earlier ``at``) corrects the class it gave.

``refresh_changed()`` finds what changed since its last run (new events by id, with a margin
for transactions that committed out of order; ratings, sent outbox entries and documents by
time; open dossiers whose deadline has passed since) and refreshes those; a Celery beat task
runs it every 30 s. ``rebuild()`` recomputes everything (or one province) from scratch,
set-based (``rebuild_sql``: the same rules in SQL, checked against this module's Python).

Concurrency: each refresh takes a transaction-level advisory lock per dossier before reading
it, so two refreshes of one dossier never both add it; ``PeriodRollup`` is only changed by
additive upserts in key order (no lost updates, no deadlocks between batches).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from dossiers.models import Channel, Dossier, DossierEvent
from dossiers.models_documents import DossierDocument, DossierRating
from reports import rebuild_sql
from reports.models import DossierRollup, Klass, PeriodRollup, RollupWatermark
from reports.rollup_facts import _load, month_of
from sync.models import OutboxEntry

logger = logging.getLogger("reports")

COUNTERS = (
    "received", "early", "on_time", "late", "in_progress", "in_progress_late",
    "multi_supplement", "online", "eligible", "full_process", "docs_total", "docs_digitised",
    "docs_reused", "store_used", "with_result", "result_electronic", "vneid", "rated",
    "dissatisfied", "with_fee", "paid_online", "synced", "ended", "ended_late", "became_late"
)  # fmt: skip
KEY_FIELDS = ("agency_id", "procedure_id", "month")
META_FIELDS = ("unit_id", "province_id", "field_id")
ROLLUP_FIELDS = (
    "agency_id", "unit_id", "province_id", "procedure_id", "field_id", "channel", "status",
    "received_at", "month", "end_at", "deadline", "late_since", "klass", "supplements",
    "eligible", "full_process", "docs_total", "docs_digitised", "docs_reused", "store_used",
    "with_result", "result_electronic", "vneid", "rating", "with_fee", "paid_online", "synced"
)  # fmt: skip
BATCH = 2000
# Event ids re-read behind the watermark: a transaction that took its id before a later one
# but committed after it is still seen (at 100 events/s, 20 s of events).
EVENT_ID_MARGIN = 2000
TIME_MARGIN = dt.timedelta(seconds=60)
WATERMARK = "rollups"
LOCK_NAMESPACE = 7660  # advisory locks of the rollups (Decision 766)


# --- Contributions to the period rows -------------------------------------------------------------


def contributions(row) -> dict[tuple, Counter]:
    """What one dossier adds to ``PeriodRollup``: its received month's counters, its end
    month's ``ended``/``ended_late`` and its deadline month's ``became_late``."""
    if row is None or row.received_at is None:
        return {}
    out: dict[tuple, Counter] = defaultdict(Counter)
    c = out[(row.agency_id, row.procedure_id, row.month)]
    c["received"] += 1
    c[row.klass] += 1
    c["multi_supplement"] += row.supplements > 1
    c["online"] += row.channel == Channel.ONLINE
    for flag in ("eligible", "full_process", "store_used", "with_result", "result_electronic",
                 "vneid", "with_fee", "paid_online", "synced"):  # fmt: skip
        c[flag] += bool(getattr(row, flag))
    c["docs_total"] += row.docs_total
    c["docs_digitised"] += row.docs_digitised
    c["docs_reused"] += row.docs_reused
    c["rated"] += bool(row.rating)
    c["dissatisfied"] += row.rating == "dissatisfied"
    if row.end_at is not None:
        ended = out[(row.agency_id, row.procedure_id, month_of(row.end_at))]
        ended["ended"] += 1
        ended["ended_late"] += row.late_since is not None
    if row.late_since is not None:
        out[(row.agency_id, row.procedure_id, month_of(row.late_since))]["became_late"] += 1
    return out


def _meta(row) -> tuple:
    return (row.unit_id, row.province_id, row.field_id)


def _apply(delta: dict[tuple, Counter], meta: dict[tuple, tuple]) -> None:
    """Add ``delta`` to the period rows (created as needed), in key order."""
    rows = []
    for key in sorted(delta, key=lambda k: (k[0], k[1], k[2])):
        counts = delta[key]
        if not any(counts.values()):
            continue
        rows.append((*key, *meta[key], *(int(counts.get(name, 0)) for name in COUNTERS)))
    if not rows:
        return
    table = PeriodRollup._meta.db_table
    columns = [*KEY_FIELDS, *META_FIELDS, *COUNTERS]
    updates = ", ".join(f'"{n}" = {table}."{n}" + EXCLUDED."{n}"' for n in COUNTERS)
    # Column names come from COUNTERS; the values are bound.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s "  # noqa: S608
    sql += f"ON CONFLICT (agency_id, procedure_id, month) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor.cursor, sql, rows, page_size=1000)
        else:  # embedded mode (SQLite): the same upsert, a row at a time
            values = "(" + ", ".join(["%s"] * len(columns)) + ")"
            cursor.executemany(sql.replace("%s", values, 1), rows)


# --- Refreshing ---------------------------------------------------------------------------------


def refresh_dossier(dossier_id: int, *, now: dt.datetime | None = None) -> DossierRollup | None:
    """Recompute one dossier's rollup and move its counts in the period rows."""
    refresh_dossiers([dossier_id], now=now)
    return DossierRollup.objects.filter(pk=dossier_id).first()


@transaction.atomic
def refresh_dossiers(ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Recompute the rollups of ``ids`` and apply the difference to ``PeriodRollup``."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) "
                "FROM unnest(%s::bigint[]) AS id ORDER BY id",
                [LOCK_NAMESPACE, ids],
            )
    # SQLite (embedded mode) runs one writing transaction at a time: no lock needed.
    old = DossierRollup.objects.in_bulk(ids)
    new = _load(ids, now)
    delta: dict[tuple, Counter] = defaultdict(Counter)
    meta: dict[tuple, tuple] = {}
    for row in old.values():
        for key, counts in contributions(row).items():
            delta[key].subtract(counts)
            meta[key] = _meta(row)
    for row in new:
        for key, counts in contributions(row).items():
            delta[key].update(counts)
            meta[key] = _meta(row)
    _apply(delta, meta)
    gone = set(old) - {row.dossier_id for row in new}
    if gone:
        DossierRollup.objects.filter(pk__in=gone).delete()
    if new:
        fields = [f.removesuffix("_id") if f.endswith("_id") else f for f in ROLLUP_FIELDS]
        DossierRollup.objects.bulk_create(
            new,
            update_conflicts=True,
            unique_fields=["dossier"],
            update_fields=[*fields, "refreshed_at"],
            batch_size=BATCH,
        )
    return len(new)


def change_queries(
    watermark: RollupWatermark, now: dt.datetime, *, margin: int = EVENT_ID_MARGIN
) -> dict[str, QuerySet]:
    """The queries by which ``refresh_changed`` finds changed dossiers, each a range scan of an
    index (``bench/reports.py`` prints their plans): events by id, ratings, sent
    outbox entries and documents by time (indexes of migration 0013), open dossiers whose
    deadline passed (``rollup_open_deadline``)."""
    start = max(0, watermark.last_event_id - margin)
    since = (watermark.last_run_at or now - dt.timedelta(days=1)) - TIME_MARGIN
    # order_by(): no model ordering, which would join dossiers and defeat the DISTINCT.
    return {
        "events": DossierEvent.objects.filter(pk__gt=start)
        .order_by()
        .values_list("dossier_id", flat=True)
        .distinct(),
        "ratings": DossierRating.objects.filter(created_at__gt=since)
        .order_by()
        .values_list("dossier_id", flat=True),
        "outbox": OutboxEntry.objects.filter(published_at__gt=since)
        .order_by()
        .values_list("dossier_id", flat=True),
        "documents": DossierDocument.objects.filter(uploaded_at__gt=since, dossier__isnull=False)
        .order_by()
        .values_list("dossier_id", flat=True),
        # Nothing happened to these, but their deadline passed: now they are overdue.
        "deadline passed": DossierRollup.objects.filter(
            klass=Klass.IN_PROGRESS, deadline__gt=since, deadline__lte=now
        )
        .order_by()
        .values_list("dossier_id", flat=True),
    }


def _changed_since(
    watermark: RollupWatermark, now: dt.datetime, *, margin: int = EVENT_ID_MARGIN
) -> tuple[set[int], int]:
    start = max(0, watermark.last_event_id - margin)
    last_id = (
        DossierEvent.objects.filter(pk__gt=start).aggregate(m=Max("pk"))["m"]
        or watermark.last_event_id
    )
    ids: set[int] = set()
    for query in change_queries(watermark, now, margin=margin).values():
        ids |= set(query)
    return ids, last_id


# Embedded mode (SQLite, one web process) keeps the one-run-at-a-time rule in memory; between
# processes SQLite's one writer at a time keeps the counts right (a run that loses the race
# fails, is logged, and the next run does its work).
_local_run = threading.Lock()


def _run_lock(*, wait: bool) -> bool:
    if connection.vendor != "postgresql":
        return _local_run.acquire(blocking=wait)
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s, 0)", [LOCK_NAMESPACE])
            return True
        cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [LOCK_NAMESPACE])
        return cursor.fetchone()[0]


def _run_unlock() -> None:
    if connection.vendor != "postgresql":
        _local_run.release()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [LOCK_NAMESPACE])


def refresh_changed(
    *, now: dt.datetime | None = None, margin: int = EVENT_ID_MARGIN, wait: bool = False
) -> int:
    """Refresh every dossier changed since the last run; returns how many were refreshed.

    Only one run at a time (a session advisory lock): a second caller returns 0 at once, or
    with ``wait`` waits for the first to end and then runs. ``margin`` event ids behind the
    watermark are read again (transactions that committed out of order); the refresh that
    follows each change in embedded mode passes a small one.
    """
    if not _run_lock(wait=wait):
        return 0
    now = now or timezone.now()
    try:
        watermark, _created = RollupWatermark.objects.get_or_create(name=WATERMARK)
        ids, last_id = _changed_since(watermark, now, margin=margin)
        ordered = sorted(ids)
        for i in range(0, len(ordered), BATCH):
            refresh_dossiers(ordered[i : i + BATCH], now=now)
        RollupWatermark.objects.filter(pk=watermark.pk).update(
            last_event_id=last_id, last_run_at=now
        )
        return len(ordered)
    finally:
        _run_unlock()


def rebuild(
    province: str | None = None,
    *,
    now: dt.datetime | None = None,
    progress=None,
    in_python: bool = False,
) -> int:
    """Recompute the rollups from scratch (all, or one province's agencies); returns how many
    dossiers. Set-based (``rebuild_sql``: minutes for ten million dossiers) unless
    ``in_python``, the row-by-row reference (``refresh_dossiers``, ~1,000 dossiers/s).

    ``progress(text)`` hears of each chunk. The rollups are emptied first and refilled chunk by
    chunk, each committed: reports read partial figures until the rebuild ends, as before.
    """
    now = now or timezone.now()
    _run_lock(wait=True)
    try:
        last_id = DossierEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        progress = progress or (lambda _text: None)
        if connection.vendor != "postgresql":  # embedded mode: the reference, row by row
            _clear_portable(province)
            done = _rebuild_in_python(province, now, progress)
        elif in_python:
            rebuild_sql.clear(province)
            done = _rebuild_in_python(province, now, progress)
        else:
            rebuild_sql.clear(province)
            if province:
                _take_out_strays(province)
            done = rebuild_sql.rebuild(province, now, progress, COUNTERS)
        if not province:
            RollupWatermark.objects.update_or_create(
                name=WATERMARK, defaults={"last_event_id": last_id, "last_run_at": now}
            )
        return done
    finally:
        _run_unlock()


@transaction.atomic
def _clear_portable(province: str | None) -> None:
    for model in (DossierRollup, PeriodRollup):
        rows = model.objects.all()
        if province:
            rows = rows.filter(province_id=province)
        rows.delete()


@transaction.atomic
def _take_out_strays(province: str) -> None:
    """Before one province is rebuilt set-based: dossiers now in it whose rollup still counts
    them in another province (moved since their last refresh) leave that province's counts,
    as ``refresh_dossiers`` would move them."""
    strays = list(
        DossierRollup.objects.filter(
            Q(dossier__agency__unit_id=province) | Q(dossier__agency__unit__parent_id=province)
        ).exclude(province_id=province)
    )
    delta: dict[tuple, Counter] = defaultdict(Counter)
    meta: dict[tuple, tuple] = {}
    for row in strays:
        for key, counts in contributions(row).items():
            delta[key].subtract(counts)
            meta[key] = _meta(row)
    _apply(delta, meta)
    DossierRollup.objects.filter(pk__in=[row.pk for row in strays]).delete()


def _rebuild_in_python(province: str | None, now: dt.datetime, progress) -> int:
    dossiers = Dossier.objects.all()
    if province:
        dossiers = dossiers.filter(
            Q(agency__unit_id=province) | Q(agency__unit__parent_id=province)
        )
    done = after = 0
    while True:
        ids = list(
            dossiers.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return done
        done += refresh_dossiers(ids, now=now)
        after = ids[-1]
        if done % (BATCH * 50) == 0:
            progress(f"{done:,} dossiers")
