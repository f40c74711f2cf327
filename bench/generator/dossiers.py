"""``bench.generate``: the dossiers generated in batches, and deleted again."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from django.apps import apps
from django.db import connection, models, transaction

from bench.generator.clock import EPOCH, _Clock
from bench.generator.common import (
    DAY,
    MARKER_DOMAIN,
    TZ,
)
from bench.generator.copying import CopyTable
from bench.generator.planning import (
    DOSSIER_COLUMNS,
    EVENT_COLUMNS,
    SUPPLEMENT_COLUMNS,
    _Generator,
)
from bench.generator.scope import (
    _load_scope,
)
from dossiers.models import CodeSequence, Dossier, DossierEvent


def _secrets(seed: int) -> Callable[[], str]:
    # secrets.choice costs a system call per character, a third of the run for a million
    # dossiers; bench data needs the shape of a tracking secret, not its unpredictability.
    from dossiers import models as dossier_models

    alphabet = getattr(dossier_models, "SECRET_ALPHABET", "23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    length = getattr(dossier_models, "SECRET_LENGTH", 8)
    choices = random.Random(f"secrets-{seed}").choices
    return lambda: "".join(choices(alphabet, k=length))


def _supplement_table(now: dt.datetime) -> CopyTable | None:
    # Supplement requests arrived with the supplement lifecycle; a tree without them, or with
    # them reshaped beyond what is filled here, still gets its dossiers and events.
    try:
        model = apps.get_model("dossiers", "SupplementRequest")
        names = {f.attname for f in model._meta.concrete_fields}
        if not {"id", "dossier_id", "requested_at"} <= names:
            return None
        return CopyTable(model, [c for c in SUPPLEMENT_COLUMNS if c in names], now)
    except LookupError:
        return None


def generate_dossiers(
    n: int,
    *,
    seed: int = 1,
    since: dt.date,
    until: dt.date,
    provinces: int | Iterable[str] | None = None,
    batch: int = 50_000,
    progress: Callable[[str], object] = print,
    hot: dict[str, float] | None = None,
) -> int:
    """Insert ``n`` dossiers submitted between ``since`` and ``until`` (inclusive, local days)
    in the chosen provinces, with their events (and supplement requests), by COPY.

    Needs the agencies (:func:`ensure_agencies`) and the catalogue (:func:`ensure_procedures`).
    Histories are cut at the end of ``until``; dossiers in hand get the step they reached and,
    where :func:`ensure_staff` made officers, an assignee. ``hot`` gives communes (code →
    share) that share of the commune-level dossiers. The same seed and database give the same data;
    running again adds ``n`` more (codes continue after the ones taken). One transaction per
    batch; ``ANALYZE`` at the end. Returns the number of dossiers written.
    """
    if until < since:
        raise ValueError("until is before since")
    scope = _load_scope(provinces, random.Random(f"scope-{seed}"), hot)
    clock = _Clock(since - dt.timedelta(days=7), until + dt.timedelta(days=730), scope.legal_times)
    as_of = (until.toordinal() - EPOCH + 1) * DAY - TZ
    generator = _Generator(scope, clock, random.Random(seed), as_of, random.Random(f"staff-{seed}"))
    now = dt.datetime.now(dt.UTC)
    tables = {
        "dossiers": CopyTable(
            Dossier, DOSSIER_COLUMNS, now, faster={"tracking_secret": _secrets(seed)}
        ),
        "events": CopyTable(DossierEvent, EVENT_COLUMNS, now),
        "supplements": _supplement_table(now),
    }
    if tables["supplements"] is None:
        progress("supplement requests are not written: this tree has none of the expected shape")
    start = time.perf_counter()
    slots = generator.slots(n, since, until)
    batches = [slots[first : first + batch] for first in range(0, n, batch)]
    done = events = 0
    # Planning the next batch (pure Python) overlaps with PostgreSQL taking in this one.
    with ThreadPoolExecutor(max_workers=1) as pool, connection.cursor() as cursor:
        pending = pool.submit(generator.plan_batch, batches[0]) if batches else None
        for index in range(len(batches)):
            planned = pending.result()
            if index + 1 < len(batches):
                pending = pool.submit(generator.plan_batch, batches[index + 1])
            with transaction.atomic():
                # Bench data: losing a batch in a crash is fine, waiting on each flush is not.
                cursor.execute("SET LOCAL synchronous_commit = off")
                events += generator.write(cursor, planned, tables)
            done += len(planned)
            elapsed = time.perf_counter() - start
            progress(
                f"{done:>10,} dossiers {events:>11,} events  {elapsed:7.1f} s  "
                f"{done / elapsed:>9,.0f} dossiers/s {(done + events) / elapsed:>10,.0f} rows/s"
            )
        for table in tables.values():
            if table is not None:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table.table)}")
        cursor.execute(f"ANALYZE {connection.ops.quote_name(CodeSequence._meta.db_table)}")
    return done


# --- reset ------------------------------------------------------------------------------------


def _delete_rows(cursor, model: type[models.Model], where: str, depth: int = 0) -> None:
    """Delete the rows of ``model`` whose id is in ``where`` (a subquery), after the rows of
    every table that points at them, however later code adds such tables."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    if depth < 4:
        for relation in model._meta.related_objects:
            child = relation.related_model
            if relation.many_to_many or child is model or not relation.field.concrete:
                continue
            column = quote(relation.field.column)
            child_table, child_pk = quote(child._meta.db_table), quote(child._meta.pk.column)
            _delete_rows(
                cursor,
                child,
                f"SELECT {child_pk} FROM {child_table} WHERE {column} IN ({where})",  # noqa: S608
                depth + 1,
            )
    cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({where})")  # noqa: S608


def delete_generated() -> int:
    """Delete every generated dossier (no applicant account, ``@bench.invalid`` e-mail) and
    whatever refers to it, in one transaction; returns how many dossiers went. The code
    counters stay, so later codes never repeat earlier ones."""
    quote = connection.ops.quote_name
    table = quote(Dossier._meta.db_table)
    email = quote(Dossier._meta.get_field("applicant_email").column)
    applicant = quote(Dossier._meta.get_field("applicant").column)
    # Run without parameters, so the % needs no escaping; all names come from the models.
    where = f"SELECT id FROM {table} WHERE {applicant} IS NULL AND {email} LIKE '%@{MARKER_DOMAIN}'"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({where}) AS generated")  # noqa: S608
        (count,) = cursor.fetchone()
        _delete_rows(cursor, Dossier, where)
    return count
