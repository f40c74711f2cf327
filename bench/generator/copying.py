"""``bench.generate``: COPY plumbing (CSV text of values, a model's COPY columns), ids from the
tables' sequences and code numbers from ``dossiers_codesequence``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Sequence

from django.db import connection, models

from bench.generator.common import (
    MAX_SEQUENCE,
)
from dossiers.models import CodeSequence

# --- COPY plumbing ----------------------------------------------------------------------------


def _csv(text: str) -> str:
    if text == r"\N" or any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _text(value: object) -> str:
    """A Python value as a CSV field that COPY reads back as that value (``\\N`` is NULL)."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list | tuple):
        return _csv(json.dumps(value, ensure_ascii=False))
    if isinstance(value, dt.date):
        return value.isoformat()
    return _csv(str(value))


class CopyTable:
    """The COPY column list of a model: the columns the generator sets, then every other concrete
    column as Django would fill it (its default, called per row when callable; else "" for text
    and NULL for the rest), so a column added later with a default needs no change here. Columns
    with only a database default are left out, for PostgreSQL to fill. ``faster`` gives quicker
    per-row makers (returning COPY text) for known columns with a costly callable default, used
    only if the column exists."""

    def __init__(
        self,
        model: type[models.Model],
        explicit: Sequence[str],
        now: dt.datetime,
        faster: dict[str, Callable[[], str]] | None = None,
    ):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in explicit if name not in fields]
        if unknown:
            raise LookupError(f"{model.__name__} has no field {', '.join(unknown)}")
        self.model, self.explicit, self.table = model, list(explicit), model._meta.db_table
        columns = [fields[name].column for name in explicit]
        constants: list[str] = []
        self.makers: list[Callable[[], str]] = []
        made: list[str] = []
        for name, f in fields.items():
            if name in explicit:
                continue
            if faster and name in faster:
                self.makers.append(faster[name])
                made.append(f.column)
            elif f.has_default():
                if callable(f.default) and f.default not in (dict, list, tuple, str, int, bool):
                    self.makers.append(lambda f=f: _text(f.get_default()))
                    made.append(f.column)
                else:
                    columns.append(f.column)
                    constants.append(_text(f.get_default()))
            elif f.db_default is not models.NOT_PROVIDED:
                continue
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                columns.append(f.column)
                constants.append(now.isoformat())
            else:
                value = f.get_default()  # what Django itself writes: "" for text, else None
                if value is None and not f.null:
                    raise LookupError(
                        f"{model.__name__}.{name} is NOT NULL without a default: "
                        "bench.generate must learn how to fill it"
                    )
                columns.append(f.column)
                constants.append(_text(value))
        self.suffix = "".join("," + value for value in constants)
        self.columns = columns + made

    def line(self, explicit: str) -> str:
        """One CSV line from the explicit columns' text (already joined by commas)."""
        if self.makers:
            return explicit + self.suffix + "".join("," + make() for make in self.makers) + "\n"
        return explicit + self.suffix + "\n"

    def copy(self, cursor, lines: list[str]) -> None:
        """COPY these lines in (CSV read from memory)."""
        if not lines:
            return
        quote = connection.ops.quote_name
        sql = (
            f"COPY {quote(self.table)} ({', '.join(quote(c) for c in self.columns)}) "
            "FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        )
        text = "".join(lines)
        # One read of the whole buffer: with 8 kB reads, each needing the GIL back from the
        # planning thread, the copy would mostly wait.
        cursor.copy_expert(sql, io.StringIO(text), size=len(text) + 1)


def take_ids(cursor, model: type[models.Model], count: int) -> Sequence[int]:
    """``count`` fresh ids from the table's own sequence, which is left past them.

    The values are drawn with ``nextval``, so a concurrent insert can never get one of them;
    when nobody else drew meanwhile they form one range and are not sent back one by one (else
    they are left as a gap and drawn again, this time listed).
    """
    if count == 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    draw = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
    cursor.execute(f"SELECT min(v), max(v) FROM ({draw}) AS drawn(v)", [table, pk, count])  # noqa: S608
    low, high = cursor.fetchone()
    if high - low + 1 == count:
        return range(low, high + 1)
    cursor.execute(draw, [table, pk, count])
    return [row[0] for row in cursor.fetchall()]


CODE_RANGES = (
    "INSERT INTO {table} (agency_id, day, last) "
    "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[]) "
    "ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + EXCLUDED.last "
    "RETURNING agency_id, day, last"
)


def take_code_ranges(cursor, counts: dict[tuple[int, dt.date], int]) -> dict[tuple, int]:
    """Reserve ``n`` code numbers per (agency, day) at once; returns the first of each range.

    The same increment-and-return upsert as ``dossier_code_allocate``, by ``n`` instead of 1:
    real submissions before, during or after the run continue after the generated numbers.
    """
    if not counts:
        return {}
    keys = sorted(counts)
    cursor.execute(
        CODE_RANGES.format(table=connection.ops.quote_name(CodeSequence._meta.db_table)),
        [[k[0] for k in keys], [k[1] for k in keys], [counts[k] for k in keys]],
    )
    first = {}
    for agency_id, day, last in cursor.fetchall():
        if last > MAX_SEQUENCE:
            raise OverflowError(f"agency {agency_id} would receive {last} dossiers on {day}")
        first[(agency_id, day)] = last - counts[(agency_id, day)] + 1
    return first
