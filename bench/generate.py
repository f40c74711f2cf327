"""National-scale data for the benchmarks: agencies everywhere, a catalogue and many dossiers.

Run: ``python -m bench.generate --dossiers 1000000 [--seed 1] [--provinces N]
[--since 2025-07-01 --until 2026-11-20] [--staff] [--hot 00004:0.11] [--reset]``, on a bench
database (``DATABASE_URL``, default ``portal_bench``), never on one that holds real dossiers.
``--staff`` creates officers with memberships in every agency (``bench.<identifier>.<role>.<n>``,
unusable passwords) and gives dossiers in hand an assignee among them; ``--hot CODE:SHARE``
sends that share of the commune-level dossiers to one commune's service centre (a big ward, for
the queue benchmark of ``bench/queues.py``).

Dossiers, their events and supplement requests are written with PostgreSQL COPY, one batch per
transaction: row-by-row inserts are far too slow at this scale. Each dossier's whole history is
simulated (submitted, received, in processing, supplement and financial-obligation rounds,
result ready, returned; or refused, withdrawn, stopped) and then cut at the end of ``until``:
its status is whatever that history had reached by then, so old dossiers are mostly returned
and recent ones are open. Appointments come from ``dossiers.calendar`` (memoised), code numbers
from ``dossiers_codesequence`` (ranges taken with the upsert real submissions use), ids from
the tables' own sequences.

Generated dossiers have no applicant account and an ``@bench.invalid`` e-mail address:
:func:`delete_generated` (``--reset``) removes exactly those and what refers to them.

The code lives in ``bench/generator/`` (constants, set-up, COPY, scope, clock, planning,
batches); this module is its command line and gives its public names.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

if __name__ == "__main__":
    # Settings must be in place before the models below are imported.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    import django

    django.setup()

from django.core.management import call_command
from django.db import connection

from bench.generator.clock import _Clock
from bench.generator.common import DEMO_CATALOGUE, MARKER_DOMAIN, MAX_SEQUENCE
from bench.generator.copying import CopyTable, take_code_ranges, take_ids
from bench.generator.dossiers import delete_generated, generate_dossiers
from bench.generator.ensure import (
    BUSY_STAFF,
    STAFF,
    STAFF_PREFIX,
    ensure_agencies,
    ensure_procedures,
    ensure_staff,
    ensure_units,
    province_units,
    staff_username,
)
from bench.generator.planning import DOSSIER_COLUMNS, EVENT_COLUMNS, SUPPLEMENT_COLUMNS
from dossiers.models import Dossier, DossierEvent

# The names the benchmarks, their tests and the demo's history use, from where they live now.
__all__ = [
    "BUSY_STAFF",
    "DEMO_CATALOGUE",
    "DOSSIER_COLUMNS",
    "EVENT_COLUMNS",
    "MARKER_DOMAIN",
    "MAX_SEQUENCE",
    "STAFF",
    "STAFF_PREFIX",
    "SUPPLEMENT_COLUMNS",
    "CopyTable",
    "_Clock",
    "delete_generated",
    "ensure_agencies",
    "ensure_procedures",
    "ensure_staff",
    "ensure_units",
    "generate_dossiers",
    "main",
    "province_units",
    "staff_username",
    "take_code_ranges",
    "take_ids",
]


# --- command line -----------------------------------------------------------------------------


def _summary(progress: Callable[[str], object]) -> None:
    quote = connection.ops.quote_name
    dossiers = quote(Dossier._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, count(*) FROM {dossiers} GROUP BY status ORDER BY status"  # noqa: S608
        )
        statuses = ", ".join(f"{status}: {count:,}" for status, count in cursor.fetchall())
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE finished_at > appointment_at), "  # noqa: S608
            f"count(*) FILTER (WHERE finished_at IS NOT NULL AND appointment_at IS NOT NULL), "
            f"count(*) FILTER (WHERE channel = 2), count(*) FROM {dossiers}"
        )
        late, finished, online, total = cursor.fetchone()
        cursor.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), "
            "pg_size_pretty(pg_total_relation_size(%s)), "
            "pg_size_pretty(pg_total_relation_size(%s))",
            [Dossier._meta.db_table, DossierEvent._meta.db_table],
        )
        database, dossier_size, event_size = cursor.fetchone()
    progress(f"dossiers by status: {statuses}")
    progress(
        f"finished late: {late / max(finished, 1):.1%} of {finished:,}; "
        f"online: {online / max(total, 1):.1%} of {total:,}"
    )
    progress(
        f"database {connection.settings_dict['NAME']}: {database} "
        f"(dossiers {dossier_size}, events {event_size}, with indexes)"
    )


def _hot(text: str) -> tuple[str, float]:
    code, _sep, share = text.partition(":")
    try:
        return code, float(share)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected COMMUNE:SHARE, e.g. 00004:0.1") from exc


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m bench.generate``: set up the bench database, then generate."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--dossiers", type=int, default=0, help="how many dossiers to add")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--provinces", type=int, default=None, help="only the first N provinces (by code)"
    )
    parser.add_argument("--since", type=dt.date.fromisoformat, default=dt.date(2025, 7, 1))
    parser.add_argument("--until", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--procedures", type=int, default=200, help="catalogue size to ensure")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument(
        "--reset", action="store_true", help="first delete the dossiers generated earlier"
    )
    parser.add_argument(
        "--hot",
        type=_hot,
        action="append",
        default=[],
        metavar="COMMUNE:SHARE",
        help="give this commune's service centre SHARE of the commune-level dossiers (repeatable)",
    )
    parser.add_argument(
        "--staff",
        action="store_true",
        help="create officers in every agency (more in --hot ones) and assign dossiers in hand",
    )
    args = parser.parse_args(argv)

    from django.utils import timezone

    from bench.run import ensure_database

    ensure_database()
    call_command("migrate", verbosity=0)
    if args.reset:
        start = time.perf_counter()
        deleted = delete_generated()
        print(f"deleted {deleted:,} generated dossiers in {time.perf_counter() - start:.1f} s")
    if args.dossiers:
        start = time.perf_counter()
        ensure_units()
        created = ensure_agencies(provinces=args.provinces)
        procedures = ensure_procedures(count=args.procedures)
        hot = dict(args.hot)
        officers = ensure_staff(provinces=args.provinces, busy=hot) if args.staff else 0
        print(
            f"setup: {created:,} agencies created, {procedures:,} procedures, "
            f"{officers:,} officers created, {time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        written = generate_dossiers(
            args.dossiers,
            seed=args.seed,
            since=args.since,
            until=args.until or timezone.localdate(),
            provinces=args.provinces,
            batch=args.batch,
            hot=hot or None,
        )
        elapsed = time.perf_counter() - start
        print(f"generated {written:,} dossiers in {elapsed:.1f} s ({written / elapsed:,.0f}/s)")
    _summary(print)


if __name__ == "__main__":
    main()
