"""The rollups rebuilt set-based: the rules of ``indicators`` written once more, in SQL.

``rollups.refresh_dossiers`` (Python, over ``indicators``) stays the reference and keeps the
rollups current event by event; it computes about a thousand dossiers a second, which is hours
for a national rebuild. Here the same facts are computed by ``INSERT … SELECT`` over dossiers,
events, supplement requests, documents, ratings and outbox, one range of dossier ids at a time
(a few seconds each, progress between them), and ``PeriodRollup`` by one ``GROUP BY`` over the
new ``DossierRollup`` rows; a whole rebuild loads the tables without their foreign keys and
plain indexes and puts them back after (:func:`bulk_load`). tests/reports/test_rebuild_sql.py
checks on hand-made histories that both give the very same rows: a change to a rule in
``indicators`` must be made here too. The comments name the function each part mirrors.

Times: the session runs in UTC (Django's PostgreSQL connection), so adding a sum of
supplement shifts (``interval`` of days and seconds) moves the deadline by exact hours, as
``datetime + timedelta`` does; local dates and months are taken in ``indicators.ZONE``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from django.db import connection, transaction

from dossiers.models import Channel, Dossier, DossierEvent, Status
from dossiers.models_documents import (
    DocumentKind,
    DossierDocument,
    DossierRating,
    SupplementRequest,
)
from reports import indicators
from reports.models import DossierRollup, Klass, PeriodRollup
from sync.models import OutboxEntry
from units.models import Agency, Unit, UnitLevel

# Dossier ids per statement of the rebuild: a few seconds each.
CHUNK = 250_000


def _in(values) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")"


def _text(value: str) -> str:
    # Only ever called on constants of this code (choices, zone names): no user text.
    return "'" + value.replace("'", "''") + "'"


ZONE = _text(indicators.ZONE.key)
OPEN = _in(indicators.OPEN)
ENDING = _in(indicators.ENDING)
# The events ``rollups._load`` reads: these statuses, and the payment confirmations.
WANTED = _in(
    (Status.RECEIVED, Status.FINANCIAL_OBLIGATION, *indicators.ENDING, Status.RESULT_READY,
     Status.RETURNED)
)  # fmt: skip
RESULT = _text(DocumentKind.RESULT)
CHANNEL_KINDS = (
    f"CASE d.channel WHEN {Channel.DIRECT:d} THEN 'direct' WHEN {Channel.ONLINE:d} THEN 'online' "
    f"WHEN {Channel.POSTAL:d} THEN 'postal' END"
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _fee_tables() -> tuple[str, str, str]:
    from procedures.models import Channel as CatalogueChannel
    from procedures.models import FeeLine, ProcedureVersion

    return _table(FeeLine), _table(CatalogueChannel), _table(ProcedureVersion)


def dossier_rollup_sql(*, province: bool) -> str:
    """``INSERT … SELECT`` of the ``DossierRollup`` rows of dossiers ``%(lo)s <= id < %(hi)s``
    (of the agencies of province ``%(province)s`` when ``province``) as of ``%(now)s``."""
    fees, channels, versions = _fee_tables()
    from dossiers.models_payments import Payment

    payments = _table(Payment)
    where_province = (
        "AND (a.unit_id = %(province)s OR u.parent_id = %(province)s)" if province else ""
    )
    # Sections: d = the dossier with its agency, unit and version (rollups._load); ev = the
    # events read (indicators.end_of_processing; payments); sup = supplement requests; docs,
    # rating, sync = documents, rating, outbox; f = the DossierFacts; the final SELECT = the
    # row (rollups._row: classify, deadline, late_since, is_full_process).
    return f"""
WITH d AS (
    SELECT d.id, d.status, d.channel, d.received_at, d.appointment_at,
           d.original_appointment_at, d.finished_at, d.returned_at, d.result_delivery,
           d.vneid_verified, d.agency_id, d.procedure_id, d.version_id,
           a.unit_id,
           CASE WHEN u.level = {_text(UnitLevel.PROVINCE)} THEN u.code
                ELSE COALESCE(u.parent_id, u.code) END AS province_id,
           v.field_id, v.online_level
    FROM {_table(Dossier)} d
    JOIN {_table(Agency)} a ON a.id = d.agency_id
    JOIN {_table(Unit)} u ON u.code = a.unit_id
    JOIN {versions} v ON v.id = d.version_id
    WHERE d.id >= %(lo)s AND d.id < %(hi)s {where_province}
), ev AS (
    SELECT e.dossier_id,
           min(e.at) FILTER (WHERE e.new_status = {Status.RECEIVED:d}) AS received,
           min(e.at) FILTER (WHERE e.new_status = {Status.RESULT_READY:d}) AS ready,
           min(e.at) FILTER (WHERE e.new_status = {Status.RETURNED:d}) AS returned,
           min(e.at) FILTER (WHERE e.new_status IN {ENDING}) AS ending,
           bool_or(e.data ->> 'action' = 'request_payment') AS obligation,
           bool_or(e.data ->> 'action' = 'confirm_payment'
                   AND e.data ->> 'method' = 'online') AS paid_online
    FROM {_table(DossierEvent)} e
    WHERE e.dossier_id >= %(lo)s AND e.dossier_id < %(hi)s
      AND (e.new_status IN {WANTED} OR e.data -> 'action' = '"confirm_payment"'::jsonb)
    GROUP BY e.dossier_id
), sup AS (
    SELECT s.dossier_id, count(*) AS n,
           sum(s.new_appointment - s.old_appointment) FILTER (
               WHERE s.supplied_at IS NOT NULL AND s.new_appointment IS NOT NULL
                 AND s.old_appointment IS NOT NULL) AS shift,
           bool_or(s.supplied_at IS NULL) AS awaited
    FROM {_table(SupplementRequest)} s
    WHERE s.dossier_id >= %(lo)s AND s.dossier_id < %(hi)s
    GROUP BY s.dossier_id
), docs AS (
    SELECT c.dossier_id,
           count(*) FILTER (WHERE c.kind <> {RESULT}) AS total,
           count(*) FILTER (WHERE c.kind <> {RESULT} AND c.is_digitised) AS digitised,
           count(*) FILTER (WHERE c.kind <> {RESULT} AND c.is_reused) AS reused,
           bool_or(c.from_data_store) AS store,
           bool_or(c.kind = {RESULT}) AS results,
           bool_or(c.kind = {RESULT}
                   AND (c.is_digitised OR c.file <> '' OR c.remote_url <> '')) AS electronic
    FROM {_table(DossierDocument)} c
    WHERE c.dossier_id >= %(lo)s AND c.dossier_id < %(hi)s
    GROUP BY c.dossier_id
), sync AS (
    SELECT o.dossier_id, bool_and(o.state = 'sent') AS synced
    FROM {_table(OutboxEntry)} o
    WHERE o.dossier_id >= %(lo)s AND o.dossier_id < %(hi)s
    GROUP BY o.dossier_id
), f AS (
    SELECT d.*,
           COALESCE(d.received_at, ev.received) AS received,
           CASE WHEN COALESCE(ev.ready, ev.returned, ev.ending) IS NOT NULL
                     THEN COALESCE(ev.ready, ev.returned, ev.ending)
                WHEN d.status NOT IN {OPEN} THEN COALESCE(d.finished_at, d.returned_at)
           END AS end_at,
           COALESCE(sup.n, 0) AS supplements,
           COALESCE(sup.awaited, false) AND d.status = {Status.SUPPLEMENT_REQUESTED:d} AS paused,
           CASE WHEN d.original_appointment_at IS NULL THEN d.appointment_at
                ELSE d.original_appointment_at + COALESCE(sup.shift, interval '0')
           END AS due,
           COALESCE(docs.total, 0) AS docs_total,
           COALESCE(docs.digitised, 0) AS docs_digitised,
           COALESCE(docs.reused, 0) AS docs_reused,
           COALESCE(docs.store, false) AS store_used,
           COALESCE(docs.results, false)
               OR d.status IN ({Status.RESULT_READY:d}, {Status.RETURNED:d}) AS with_result,
           COALESCE(docs.electronic, false) AS result_electronic,
           COALESCE(r.rating, '') AS rating,
           EXISTS (SELECT 1 FROM {fees} fee JOIN {channels} ch ON ch.id = fee.channel_id
                   WHERE ch.version_id = d.version_id AND ch.kind = {CHANNEL_KINDS}
                     AND fee.amount > 0)
               OR COALESCE(ev.obligation, false) AS with_fee,
           COALESCE(ev.paid_online, false)
               OR EXISTS (SELECT 1 FROM {payments} pay WHERE pay.dossier_id = d.id
                          AND pay.method = 'online' AND pay.state = 'paid') AS paid_online,
           COALESCE(sync.synced, false) AS synced
    FROM d
    LEFT JOIN ev ON ev.dossier_id = d.id
    LEFT JOIN sup ON sup.dossier_id = d.id
    LEFT JOIN docs ON docs.dossier_id = d.id
    LEFT JOIN {_table(DossierRating)} r ON r.dossier_id = d.id
    LEFT JOIN sync ON sync.dossier_id = d.id
)
INSERT INTO {_table(DossierRollup)} (
    dossier_id, agency_id, unit_id, province_id, procedure_id, field_id, channel, status,
    received_at, month, end_at, deadline, late_since, klass, supplements, eligible,
    full_process, docs_total, docs_digitised, docs_reused, store_used, with_result,
    result_electronic, vneid, rating, with_fee, paid_online, synced, refreshed_at)
SELECT id, agency_id, unit_id, province_id, procedure_id, field_id, channel, status,
    received,
    date_trunc('month', received AT TIME ZONE {ZONE})::date,
    end_at,
    due,
    CASE WHEN received IS NULL OR due IS NULL OR paused THEN NULL
         WHEN COALESCE(end_at, %(now)s) > due THEN due
    END,
    CASE WHEN received IS NULL THEN {_text(Klass.NOT_RECEIVED)}
         WHEN end_at IS NULL AND status IN {OPEN} THEN
             CASE WHEN supplements > 1 THEN {_text(Klass.IN_PROGRESS_LATE)}
                  WHEN due IS NOT NULL AND NOT paused AND %(now)s > due
                      THEN {_text(Klass.IN_PROGRESS_LATE)}
                  ELSE {_text(Klass.IN_PROGRESS)} END
         WHEN supplements > 1 THEN {_text(Klass.LATE)}
         WHEN due IS NULL OR paused THEN {_text(Klass.ON_TIME)}
         WHEN COALESCE(end_at, %(now)s) > due THEN {_text(Klass.LATE)}
         WHEN (COALESCE(end_at, %(now)s) AT TIME ZONE {ZONE})::date
              < (due AT TIME ZONE {ZONE})::date THEN {_text(Klass.EARLY)}
         ELSE {_text(Klass.ON_TIME)}
    END,
    supplements,
    online_level = 'full',
    channel = {Channel.ONLINE:d} AND online_level = 'full'
        AND result_delivery IN ('online', 'post'),
    docs_total, docs_digitised, docs_reused, store_used, with_result, result_electronic,
    vneid_verified, rating, with_fee, paid_online, synced, now()
FROM f
"""  # noqa: S608 (names come from the models, values are bound)


# What each PeriodRollup counter adds, as a condition on a DossierRollup row ``r`` and the part
# of ``rollups.contributions`` it belongs to: 'r' received month, 'e' end month, 'l' the month
# the deadline passed unmet. Counters summed rather than counted are in SUMMED.
COUNTED = {
    "received": ("r", "true"),
    **{k: ("r", f"r.klass = {_text(k)}") for k in
       ("early", "on_time", "late", "in_progress", "in_progress_late")},
    "multi_supplement": ("r", "r.supplements > 1"),
    "online": ("r", f"r.channel = {Channel.ONLINE:d}"),
    **{k: ("r", f"r.{k}") for k in
       ("eligible", "full_process", "store_used", "with_result", "result_electronic", "vneid",
        "with_fee", "paid_online", "synced")},
    "rated": ("r", "r.rating <> ''"),
    "dissatisfied": ("r", "r.rating = 'dissatisfied'"),
    "ended": ("e", "true"),
    "ended_late": ("e", "r.late_since IS NOT NULL"),
    "became_late": ("l", "true"),
}  # fmt: skip
SUMMED = ("docs_total", "docs_digitised", "docs_reused")


def period_rollup_sql(*, province: bool, counters: tuple[str, ...]) -> str:
    """``INSERT … SELECT`` of every ``PeriodRollup`` row from ``DossierRollup`` in one
    ``GROUP BY`` (``rollups.contributions`` for all dossiers at once). The unit, province and
    field follow the agency and procedure; ``min`` picks one should versions disagree. Rows go
    in (province, month) order: a province's year, which every report reads, lies on few pages."""
    sums = []
    for name in counters:
        if name in SUMMED:
            sums.append(f"COALESCE(sum(r.{name}) FILTER (WHERE k.part = 'r'), 0)")
        else:
            part, condition = COUNTED[name]
            sums.append(f"count(*) FILTER (WHERE k.part = '{part}' AND {condition})")
    where_province = "AND r.province_id = %(province)s" if province else ""
    columns = ", ".join(counters)
    return f"""
INSERT INTO {_table(PeriodRollup)} (agency_id, procedure_id, month, unit_id, province_id,
    field_id, {columns})
SELECT r.agency_id, r.procedure_id, k.month, min(r.unit_id), min(r.province_id),
    min(r.field_id), {", ".join(sums)}
FROM {_table(DossierRollup)} r
CROSS JOIN LATERAL (VALUES
    ('r', r.month),
    ('e', date_trunc('month', r.end_at AT TIME ZONE {ZONE})::date),
    ('l', date_trunc('month', r.late_since AT TIME ZONE {ZONE})::date)
) AS k(part, month)
WHERE r.received_at IS NOT NULL AND k.month IS NOT NULL {where_province}
GROUP BY r.agency_id, r.procedure_id, k.month
ORDER BY min(r.province_id), k.month, r.agency_id, r.procedure_id
"""  # noqa: S608 (names come from the models and COUNTERS, values are bound)


PENDING = "rebuild_sql.bulk_load pending: "


@contextmanager
def bulk_load(*models) -> Iterator[None]:
    """Load ``models``' (emptied) tables without their foreign keys and plain indexes, then put
    back exactly what was there (``pg_get_indexdef`` / ``pg_get_constraintdef``).

    Row by row, each foreign key costs an index lookup and a row lock on the referenced row (for
    ``DossierRollup``: writing every dossier's tuple) and each index a random insert: two thirds
    of the load. Afterwards each index is built in one sorted pass, and each foreign key is added
    ``NOT VALID`` (a brief lock) and validated by one join that does not block writers. The
    rows come from joins on the referenced tables, so the validation cannot fail; it is there so
    the constraint is as it was. Primary keys and unique constraints stay. What was dropped is
    noted in the table's comment in the same transaction, so a rebuild killed half-way leaves
    the next one able to put it back.
    """
    saved = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid = %s::regclass "
                "AND NOT i.indisprimary AND NOT i.indisunique",
                [table],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            keys = cursor.fetchall()
            pending = _pending(cursor, table)
            saved[table] = {
                "indexes": pending["indexes"] + [list(i) for i in indexes],
                "keys": pending["keys"] + [list(k) for k in keys],
            }
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
            for name, _definition in keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            cursor.execute(f"COMMENT ON TABLE {table} IS %s", [PENDING + json.dumps(saved[table])])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table, dropped in saved.items():
                _restore(cursor, table, dropped)


def _pending(cursor, table: str) -> dict[str, list]:
    """What a rebuild killed half-way had dropped from ``table`` (from its comment)."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [table])
    (comment,) = cursor.fetchone()
    if comment and comment.startswith(PENDING):
        return json.loads(comment.removeprefix(PENDING))
    return {"indexes": [], "keys": []}


def _restore(cursor, table: str, dropped: dict[str, list]) -> None:
    cursor.execute("SET maintenance_work_mem = '512MB'")
    try:
        for name, definition in dropped["indexes"]:
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                cursor.execute(definition)
    finally:
        cursor.execute("RESET maintenance_work_mem")
    for name, definition in dropped["keys"]:
        cursor.execute(
            "SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
            [table, name],
        )
        if cursor.fetchone() is None:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
            cursor.execute(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
    cursor.execute(f"COMMENT ON TABLE {table} IS NULL")


def clear(province: str | None) -> None:
    """Empty the rollups (all: TRUNCATE; one province: its rows)."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Checks deferred by earlier writes in an enclosing transaction would forbid the
        # TRUNCATE ("pending trigger events"): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if province:
            for model in (DossierRollup, PeriodRollup):
                cursor.execute(
                    f"DELETE FROM {_table(model)} WHERE province_id = %s",  # noqa: S608
                    [province],
                )
        else:
            # Deleting ten million rows one by one takes minutes and leaves bloat.
            cursor.execute(f"TRUNCATE {_table(DossierRollup)}, {_table(PeriodRollup)}")


def rebuild(province: str | None, now: dt.datetime, progress, counters: tuple[str, ...]) -> int:
    """Fill the emptied rollups: ``DossierRollup`` by ranges of ``CHUNK`` dossier ids (each
    committed, with progress), then ``PeriodRollup`` in one statement; returns the dossiers."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {_table(Dossier)}")  # noqa: S608
        first, last = cursor.fetchone()
    if first is None:
        return 0
    start = time.perf_counter()
    # A whole rebuild loads empty tables: their indexes and foreign keys are put back after.
    with nullcontext() if province else bulk_load(DossierRollup, PeriodRollup):
        done = 0
        for lo in range(first, last + 1, CHUNK):
            with transaction.atomic(), connection.cursor() as cursor:
                # Derived rows, rebuilt at will: no need to wait for each flush to disk.
                cursor.execute("SET LOCAL synchronous_commit = off")
                done += insert_dossiers(lo, lo + CHUNK, now, province)
            elapsed = time.perf_counter() - start
            progress(
                f"DossierRollup: {done:,} dossiers (ids up to {min(lo + CHUNK - 1, last):,}) "
                f"in {elapsed:.0f} s ({done / max(elapsed, 1e-9):,.0f}/s)"
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")  # the GROUP BY's hash table in memory
            periods = insert_periods(counters, province)
        progress(f"PeriodRollup: {periods:,} rows at {time.perf_counter() - start:.0f} s")
    with connection.cursor() as cursor:
        for model in (DossierRollup, PeriodRollup):
            cursor.execute(f"ANALYZE {_table(model)}")
    progress(f"indexes, keys and statistics back: {time.perf_counter() - start:.0f} s in all")
    return done


def insert_dossiers(lo: int, hi: int, now: dt.datetime, province: str | None = None) -> int:
    """Insert the ``DossierRollup`` rows of dossiers ``lo <= id < hi``; returns how many."""
    with connection.cursor() as cursor:
        # Compiling this statement costs PostgreSQL's JIT seconds per chunk for no gain.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            dossier_rollup_sql(province=province is not None),
            {"lo": lo, "hi": hi, "now": now, "province": province},
        )
        return cursor.rowcount


def insert_periods(counters: tuple[str, ...], province: str | None = None) -> int:
    """Insert the ``PeriodRollup`` rows (all, or one province's); returns how many."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            period_rollup_sql(province=province is not None, counters=counters),
            {"province": province},
        )
        return cursor.rowcount
